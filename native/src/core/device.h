// Devices (MXNet's contexts): a type and an ordinal, e.g. cpu(0), gpu(1).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace sn {

// Values are MXNet's device type codes and the ABI's sn_device_type.
enum class DeviceType : int32_t {
  kCPU = 1,
  kGPU = 2,
  kCPUPinned = 3,
};

// cpu(0), cpu(1), ... are distinct devices with their own engine queues (as in
// MXNet), so multi-device code paths run without a GPU.
struct Device {
  DeviceType type = DeviceType::kCPU;
  int32_t id = 0;

  static constexpr Device cpu(int32_t id = 0) noexcept { return {DeviceType::kCPU, id}; }
  static constexpr Device gpu(int32_t id = 0) noexcept { return {DeviceType::kGPU, id}; }
  bool is_cpu() const noexcept { return type == DeviceType::kCPU || type == DeviceType::kCPUPinned; }
  friend bool operator==(const Device&, const Device&) = default;
  std::string to_string() const;  // "cpu(0)"
};

// Parses "cpu(0)", "gpu(1)", "cpu_pinned(0)"; nullopt if malformed.
std::optional<Device> parse_device(std::string_view text) noexcept;
std::string_view device_type_name(DeviceType type) noexcept;
bool is_valid_device_type(int32_t code) noexcept;
// Checks that `device` exists in this build and process: gpu(n) needs CUDA and
// a GPU n. Errors name `what` (the op or function).
void check_device_available(const Device& device, std::string_view what);
// Number of GPUs this process can use; 0 without CUDA.
int num_gpus() noexcept;

std::ostream& operator<<(std::ostream& os, const Device& device);

}  // namespace sn

template <>
struct std::hash<sn::Device> {
  size_t operator()(const sn::Device& d) const noexcept {
    return std::hash<int64_t>()((static_cast<int64_t>(d.type) << 32) | static_cast<uint32_t>(d.id));
  }
};
