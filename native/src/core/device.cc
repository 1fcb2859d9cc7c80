#include "core/device.h"

#include <charconv>
#include <ostream>

#include "core/error.h"

#if defined(SHARPNET_USE_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace sn {

std::string_view device_type_name(DeviceType type) noexcept {
  switch (type) {
    case DeviceType::kCPU: return "cpu";
    case DeviceType::kGPU: return "gpu";
    case DeviceType::kCPUPinned: return "cpu_pinned";
  }
  return "unknown_device";
}

bool is_valid_device_type(int32_t code) noexcept {
  return code == static_cast<int32_t>(DeviceType::kCPU) || code == static_cast<int32_t>(DeviceType::kGPU) ||
         code == static_cast<int32_t>(DeviceType::kCPUPinned);
}

std::string Device::to_string() const { return str(device_type_name(type), "(", id, ")"); }

std::ostream& operator<<(std::ostream& os, const Device& device) {
  return os << device_type_name(device.type) << "(" << device.id << ")";
}

std::optional<Device> parse_device(std::string_view text) noexcept {
  auto open = text.find('(');
  if (open == std::string_view::npos || text.empty() || text.back() != ')') return std::nullopt;
  std::string_view name = text.substr(0, open);
  std::string_view digits = text.substr(open + 1, text.size() - open - 2);
  Device device;
  if (name == "cpu") device.type = DeviceType::kCPU;
  else if (name == "gpu") device.type = DeviceType::kGPU;
  else if (name == "cpu_pinned") device.type = DeviceType::kCPUPinned;
  else return std::nullopt;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), device.id);
  if (ec != std::errc() || end != digits.data() + digits.size() || device.id < 0) return std::nullopt;
  return device;
}

int num_gpus() noexcept {
#if defined(SHARPNET_USE_CUDA)
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
#else
  return 0;
#endif
}

void check_device_available(const Device& device, std::string_view what) {
  SN_CHECK(device.id >= 0, what, ": device ordinal must be >= 0, got ", device);
  if (device.type == DeviceType::kGPU) {
#if !defined(SHARPNET_USE_CUDA)
    SN_THROW(kUnsupported, what, ": ", device,
             " is not available: this build of Sharpnet has no CUDA support (build with -DSHARPNET_USE_CUDA=ON "
             "and use the CUDA runtime package)");
#else
    int count = num_gpus();
    SN_CHECK(device.id < count, what, ": ", device, " does not exist; this process sees ", count, " GPU(s)");
#endif
  }
}

}  // namespace sn
