#include "core/device.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sn {
namespace {

TEST(Device, PrintsAndParsesMXNetContexts) {
  EXPECT_EQ(Device::cpu().to_string(), "cpu(0)");
  EXPECT_EQ(Device::gpu(1).to_string(), "gpu(1)");
  EXPECT_EQ((Device{DeviceType::kCPUPinned, 0}).to_string(), "cpu_pinned(0)");
  EXPECT_EQ(parse_device("cpu(1)"), Device::cpu(1));
  EXPECT_EQ(parse_device("gpu(0)"), Device::gpu(0));
  EXPECT_FALSE(parse_device("cpu"));
  EXPECT_FALSE(parse_device("cpu(-1)"));
  EXPECT_FALSE(parse_device("tpu(0)"));
  EXPECT_FALSE(parse_device("cpu(1x)"));
  EXPECT_NE(Device::cpu(0), Device::cpu(1));  // distinct devices, as in MXNet
}

TEST(Device, GpuWithoutCudaIsAClearError) {
  if (num_gpus() > 0) GTEST_SKIP() << "this build has GPUs";
  EXPECT_NO_THROW(check_device_available(Device::cpu(3), "zeros"));
  try {
    check_device_available(Device::gpu(0), "zeros");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("zeros: gpu(0) is not available: this build of Sharpnet has no CUDA"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sn
