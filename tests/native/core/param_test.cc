#include "core/param.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>

namespace sn {
namespace {

enum class PoolType { kMax, kAvg, kSum, kLp };

// Shaped like MXNet's ConvolutionParam and PoolingParam, for these tests only.
struct ConvLike {
  Shape kernel;
  Shape stride;
  Shape pad;
  int64_t num_filter = 0;
  int32_t num_group = 1;
  bool no_bias = false;
  double eps = 0;
  float momentum = 0;
  std::optional<PoolType> pool_type;
  PoolType fallback = PoolType::kMax;
  std::optional<int64_t> workspace;
  std::optional<DType> dtype;
  FloatTuple scales;
  std::string layout;

  static void describe(ParamBuilder<ConvLike>& b) {
    b.field("kernel", &ConvLike::kernel, "Kernel size: (w,), (h, w) or (d, h, w).");
    b.field("stride", &ConvLike::stride, "Stride.").set_default(Shape{}).set_lower_bound(1);
    b.field("pad", &ConvLike::pad, "Zero padding.").set_default(Shape{});
    b.field("num_filter", &ConvLike::num_filter, "Number of output channels.").set_range(1, 100000);
    b.field("num_group", &ConvLike::num_group, "Number of groups.").set_default(1).set_lower_bound(1);
    b.field("no_bias", &ConvLike::no_bias, "Whether to skip the bias.").set_default(false);
    b.field("eps", &ConvLike::eps, "Epsilon.").set_default(1e-3).set_lower_bound(0);
    b.field("momentum", &ConvLike::momentum, "Momentum.").set_default(0.9f);
    b.field("pool_type", &ConvLike::pool_type, "Pooling type.")
        .set_enum({{"max", PoolType::kMax}, {"avg", PoolType::kAvg}, {"sum", PoolType::kSum}, {"lp", PoolType::kLp}});
    b.field("fallback", &ConvLike::fallback, "Fallback pooling.")
        .set_enum({{"max", PoolType::kMax}, {"avg", PoolType::kAvg}})
        .set_default(PoolType::kAvg);
    b.field("workspace", &ConvLike::workspace, "Workspace limit in MB.");
    b.field("dtype", &ConvLike::dtype, "Output dtype.");
    b.field("scales", &ConvLike::scales, "Scales.").set_default(FloatTuple{0.5, 1.0});
    b.field("layout", &ConvLike::layout, "Layout.").set_default("NCHW");
  }
};

ConvLike parse(std::initializer_list<ParamKV> kv) {
  return parse_params<ConvLike>("Convolution", std::span<const ParamKV>(kv.begin(), kv.size()));
}

std::string error_of(std::initializer_list<ParamKV> kv) {
  try {
    parse(kv);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Param, SchemaReflectsFields) {
  const ParamSchema& s = param_schema<ConvLike>();
  ASSERT_EQ(s.fields().size(), 14u);
  const ParamField* kernel = s.find("kernel");
  ASSERT_NE(kernel, nullptr);
  EXPECT_EQ(kernel->kind, ParamKind::kShape);
  EXPECT_TRUE(kernel->required);
  EXPECT_EQ(kernel->default_literal, "");
  const ParamField* eps = s.find("eps");
  EXPECT_EQ(eps->kind, ParamKind::kFloat);
  EXPECT_EQ(eps->default_literal, "0.001");
  EXPECT_EQ(s.find("momentum")->default_literal, "0.9");  // a float prints its own shortest digits
  EXPECT_EQ(s.find("no_bias")->default_literal, "False");
  EXPECT_EQ(s.find("stride")->default_literal, "()");
  EXPECT_EQ(s.find("scales")->default_literal, "(0.5, 1.0)");
  EXPECT_EQ(s.find("fallback")->default_literal, "avg");
  const ParamField* pool = s.find("pool_type");
  EXPECT_EQ(pool->kind, ParamKind::kEnum);
  EXPECT_TRUE(pool->optional);
  EXPECT_FALSE(pool->required);
  EXPECT_EQ(pool->default_literal, "None");
  EXPECT_EQ(pool->enum_names, (std::vector<std::string>{"max", "avg", "sum", "lp"}));
  EXPECT_EQ(s.find("dtype")->kind, ParamKind::kDType);
  EXPECT_EQ(s.find("num_filter")->min, 1.0);
  EXPECT_EQ(s.find("num_filter")->max, 100000.0);
  EXPECT_EQ(s.find("nope"), nullptr);
}

TEST(Param, ParsesMXNetSpellings) {
  ConvLike p = parse({{"kernel", "(3, 3)"}, {"num_filter", "10"}, {"no_bias", "True"}, {"eps", "1e-05"},
                      {"pool_type", "avg"}, {"workspace", "512"}, {"dtype", "float16"}, {"stride", "[2, 2]"},
                      {"pad", " (1L, 1L) "}, {"scales", "(0.25,)"}, {"layout", "NHWC"}});
  EXPECT_EQ(p.kernel, Shape({3, 3}));
  EXPECT_EQ(p.stride, Shape({2, 2}));
  EXPECT_EQ(p.pad, Shape({1, 1}));
  EXPECT_EQ(p.num_filter, 10);
  EXPECT_EQ(p.num_group, 1);  // default
  EXPECT_TRUE(p.no_bias);
  EXPECT_DOUBLE_EQ(p.eps, 1e-5);
  EXPECT_EQ(p.pool_type, PoolType::kAvg);
  EXPECT_EQ(p.workspace, 512);
  EXPECT_EQ(p.dtype, DType::kFloat16);
  EXPECT_EQ(p.scales, FloatTuple{0.25});
  EXPECT_EQ(p.layout, "NHWC");
}

TEST(Param, AcceptsBareIntsNoneAndLowercaseBools) {
  ConvLike p = parse({{"kernel", "3"}, {"num_filter", "+4"}, {"no_bias", "true"}, {"workspace", "None"},
                      {"pool_type", "None"}, {"eps", "inf"}});
  EXPECT_EQ(p.kernel, Shape({3}));
  EXPECT_EQ(p.num_filter, 4);
  EXPECT_TRUE(p.no_bias);
  EXPECT_FALSE(p.workspace.has_value());
  EXPECT_FALSE(p.pool_type.has_value());
  EXPECT_TRUE(std::isinf(p.eps));
  EXPECT_EQ(parse({{"kernel", "()"}, {"num_filter", "1"}}).kernel, Shape());
}

TEST(Param, PrintsBackInPythonSpellings) {
  ConvLike p = parse({{"kernel", "[3,3]"}, {"num_filter", "10"}, {"eps", "0.00001"}, {"pool_type", "max"},
                      {"no_bias", "1"}});
  auto all = print_params(p);
  std::map<std::string, std::string> m(all.begin(), all.end());
  EXPECT_EQ(m["kernel"], "(3, 3)");
  EXPECT_EQ(m["num_filter"], "10");
  EXPECT_EQ(m["eps"], "1e-05");
  EXPECT_EQ(m["no_bias"], "True");
  EXPECT_EQ(m["pool_type"], "max");
  EXPECT_EQ(m["workspace"], "None");
  EXPECT_EQ(m["dtype"], "None");
  EXPECT_EQ(m["momentum"], "0.9");
  EXPECT_EQ(all.front().first, "kernel");  // declaration order

  auto set = print_params(p, /*non_default_only=*/true);
  std::vector<std::string> names;
  for (const auto& [k, v] : set) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"kernel", "num_filter", "no_bias", "eps", "pool_type"}));
}

TEST(Param, PythonFloatRepr) {
  using detail::print_float;
  EXPECT_EQ(print_float(0.001), "0.001");
  EXPECT_EQ(print_float(1e-05), "1e-05");
  EXPECT_EQ(print_float(0.0001), "0.0001");
  EXPECT_EQ(print_float(1.0), "1.0");
  EXPECT_EQ(print_float(0.0), "0.0");
  EXPECT_EQ(print_float(-0.0), "-0.0");
  EXPECT_EQ(print_float(123.5), "123.5");
  EXPECT_EQ(print_float(1e16), "1e+16");
  EXPECT_EQ(print_float(1e15), "1000000000000000.0");
  EXPECT_EQ(print_float(1.5e-7), "1.5e-07");
  EXPECT_EQ(print_float(0.1), "0.1");
  EXPECT_EQ(print_float(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(print_float(-2.5e300), "-2.5e+300");
  EXPECT_EQ(print_float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(print_float(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(print_float(std::nan("")), "nan");
  EXPECT_EQ(print_float(1e-5f), "1e-05");
  EXPECT_EQ(print_float(0.1f), "0.1");
}

TEST(Param, RoundTripsThroughItsSpelling) {
  for (double v : {0.001, 1e-05, 0.9, 123456.789, 1e-300, 5e-324, 1.7976931348623157e308}) {
    auto text = detail::print_float(v);
    auto back = detail::parse_float(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, v) << text;
  }
}

TEST(Param, BadValueNamesOpParameterExpectationAndValue) {
  EXPECT_EQ(error_of({{"kernel", "abc"}, {"num_filter", "1"}}),
            "Convolution: parameter 'kernel' expects a shape such as (3, 3), got 'abc'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3"}, {"num_filter", "1"}}),
            "Convolution: parameter 'kernel' expects a shape such as (3, 3), got '(3, 3'");
  EXPECT_EQ(error_of({{"kernel", "(3,,3)"}, {"num_filter", "1"}}),
            "Convolution: parameter 'kernel' expects a shape such as (3, 3), got '(3,,3)'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "0"}}),
            "Convolution: parameter 'num_filter' expects an integer in [1, 100000], got '0'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "2.5"}}),
            "Convolution: parameter 'num_filter' expects an integer in [1, 100000], got '2.5'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"no_bias", "yes"}}),
            "Convolution: parameter 'no_bias' expects a boolean (True or False), got 'yes'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"pool_type", "maxx"}}),
            "Convolution: parameter 'pool_type' expects one of 'max', 'avg', 'sum', 'lp' or None, got 'maxx'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"eps", "-1"}}),
            "Convolution: parameter 'eps' expects a number >= 0, got '-1'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"stride", "(0, 1)"}}),
            "Convolution: parameter 'stride' expects a shape such as (3, 3) with each item >= 1, got '(0, 1)'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"num_group", "99999999999"}}),
            "Convolution: parameter 'num_group' expects an integer >= 1, got '99999999999'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"dtype", "float"}}),
            "Convolution: parameter 'dtype' expects a dtype name (one of float32, float64, float16, uint8, int32, "
            "int8, int64, bool, bfloat16) or None, got 'float'");
  EXPECT_EQ(error_of({{"kernel", "(3, 3)"}, {"num_filter", "1"}, {"workspace", ""}}),
            "Convolution: parameter 'workspace' expects an integer or None, got ''");
}

TEST(Param, UnknownMissingAndRepeatedParameters) {
  EXPECT_EQ(error_of({{"kernal", "(3, 3)"}, {"num_filter", "1"}}),
            "Convolution: unknown parameter 'kernal'; did you mean 'kernel'? Convolution takes kernel, stride, pad, "
            "num_filter, num_group, no_bias, eps, momentum, pool_type, fallback, workspace, dtype, scales, layout");
  EXPECT_EQ(error_of({{"num_filter", "1"}}),
            "Convolution: required parameter 'kernel' is missing; it expects a shape such as (3, 3) (Kernel size: "
            "(w,), (h, w) or (d, h, w).)");
  EXPECT_EQ(error_of({{"kernel", "1"}, {"num_filter", "1"}, {"kernel", "2"}}),
            "Convolution: parameter 'kernel' is given more than once");
  try {
    parse({{"zzzzzz", "1"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(std::string(e.what()).find("did you mean"), std::string::npos) << e.what();
  }
}

struct NoParams {
  static void describe(ParamBuilder<NoParams>&) {}
};

TEST(Param, OpWithoutParametersRejectsAny) {
  const ParamKV kv[] = {{"axis", "1"}};
  try {
    parse_params<NoParams>("relu", kv);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "relu: unknown parameter 'axis'; relu takes no parameters");
  }
}

}  // namespace
}  // namespace sn
