// The samplers: checked by statistics and reproducibility rather than a reference.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/conformance.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

[[maybe_unused]] const bool kRegistered = [] {
  conformance::covered_elsewhere()["_random_uniform"] = "random_test.cc: moments, bounds, seeding";
  conformance::covered_elsewhere()["_random_normal"] = "random_test.cc: moments, seeding";
  return true;
}();

NDArray sample(const char* op, std::vector<ParamKV> params) {
  OpAttrs attrs = OpRegistry::get().at(op).parse(params);
  return invoke(attrs, {}, {}, InvokeFlags{})[0];
}

std::vector<double> values(const NDArray& a) { return testing::values<double>(a); }

struct Moments {
  double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) {
    m.mean += x;
    m.min = std::min(m.min, x);
    m.max = std::max(m.max, x);
  }
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

constexpr int64_t kN = 200000;

TEST(Random, UniformHasTheMomentsAndBoundsOfItsRange) {
  set_random_seed(1);
  for (const char* dtype : {"float32", "float64", "float16"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("uniform", {{"low", "-2"}, {"high", "3"}, {"shape", "(200000,)"}, {"dtype", dtype}});
    EXPECT_EQ(dtype_name(a.dtype()), std::string(dtype));
    Moments m = moments(values(a));
    // Mean 0.5, variance 25/12; 6 standard errors.
    EXPECT_NEAR(m.mean, 0.5, 6 * std::sqrt(25.0 / 12 / kN));
    EXPECT_NEAR(m.var, 25.0 / 12, 0.03);
    EXPECT_GE(m.min, -2.0);
    EXPECT_LT(m.max, 3.0);
    EXPECT_LT(m.min, -1.99);
    EXPECT_GT(m.max, 2.99);
  }
}

TEST(Random, NormalHasTheMomentsOfItsParameters) {
  set_random_seed(2);
  for (const char* dtype : {"float32", "float64"}) {
    SCOPED_TRACE(dtype);
    NDArray a = sample("normal", {{"loc", "1.5"}, {"scale", "2"}, {"shape", "(400, 500)"}, {"dtype", dtype}});
    std::vector<double> v = values(a);
    Moments m = moments(v);
    EXPECT_NEAR(m.mean, 1.5, 6 * 2 / std::sqrt(double(kN)));
    EXPECT_NEAR(m.var, 4.0, 0.1);
    // Tails: P(|z| > 2) = 4.55%.
    int64_t tail = 0;
    for (double x : v) tail += std::abs(x - 1.5) > 4;
    EXPECT_NEAR(static_cast<double>(tail) / kN, 0.0455, 0.004);
  }
}

TEST(Random, SeedReproducesEverySamplerThatFollows) {
  auto draw = [] {
    std::vector<double> u = values(sample("uniform", {{"shape", "(1000,)"}}));
    std::vector<double> n = values(sample("normal", {{"shape", "(3, 7)"}}));
    u.insert(u.end(), n.begin(), n.end());
    return u;
  };
  set_random_seed(42);
  auto first = draw();
  set_random_seed(42);
  auto again = draw();
  EXPECT_EQ(first, again);
  set_random_seed(43);
  EXPECT_NE(draw(), first);
  // Consecutive calls without reseeding differ.
  set_random_seed(42);
  auto a = values(sample("uniform", {{"shape", "(100,)"}}));
  auto b = values(sample("uniform", {{"shape", "(100,)"}}));
  EXPECT_NE(a, b);
}

TEST(Random, SamplesDoNotDependOnTheThreadCount) {
  // Philox blocks are keyed by position: an array sampled at once equals the same stream read in any split.
  set_random_seed(7);
  auto big = values(sample("uniform", {{"shape", "(100000,)"}}));
  set_random_seed(7);
  auto again = values(sample("uniform", {{"shape", "(100000,)"}}));
  EXPECT_EQ(big, again);
  std::vector<double> distinct(big.begin(), big.begin() + 1000);
  std::sort(distinct.begin(), distinct.end());
  EXPECT_EQ(std::adjacent_find(distinct.begin(), distinct.end()), distinct.end()) << "repeated values";
}

TEST(Random, ContextParameterPlacesTheOutput) {
  NDArray a = sample("uniform", {{"shape", "(2, 2)"}, {"ctx", "cpu(1)"}});
  EXPECT_EQ(a.device(), Device::cpu(1));
}

TEST(Random, BadParametersAreClearErrors) {
  auto message = [](std::vector<ParamKV> p, const char* op = "normal") {
    try {
      sample(op, std::move(p)).wait_to_read();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"scale", "-1"}}).find("scale"), std::string::npos);
  EXPECT_NE(message({{"shape", "(2, -3)"}}).find("negative"), std::string::npos);
  EXPECT_NE(message({{"dtype", "int32"}}, "uniform").find("float16, float32 or float64"), std::string::npos);
  EXPECT_NE(message({{"ctx", "tpu(0)"}}, "uniform").find("ctx"), std::string::npos);
}

}  // namespace
}  // namespace sn
