// Absurd parameters and degenerate inputs across the catalogue: each is a clear sn::Error naming the op, or a
// well-defined (possibly empty) result — never a crash, a hang, or an allocation driven by an overflowed size.
#include <gtest/gtest.h>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"
#include "test_arrays.h"

namespace sn {
namespace {

struct Bad {
  const char* op;
  std::vector<ParamKV> params;
  std::vector<Shape> inputs;
};

void PrintTo(const Bad& b, std::ostream* os) { *os << b.op; }

class BadInput : public ::testing::TestWithParam<Bad> {};

TEST_P(BadInput, IsAClearErrorNamingTheOp) {
  const Bad& b = GetParam();
  std::vector<NDArray> in;
  for (const Shape& s : b.inputs) {
    NDArray a = NDArray::empty(s, DType::kFloat32, Device::cpu());
    fill(a, 1);
    in.push_back(a);
  }
  try {
    auto out = invoke(OpRegistry::get().at(b.op).parse(b.params), in, {}, InvokeFlags{});
    for (auto& o : out) o.wait_to_read();
    FAIL() << b.op << " accepted it";
  } catch (const Error& e) {
    // Either it names the op, or the (valid) request was for more memory than there is.
    if (e.code() != ErrorCode::kOutOfMemory) {
      EXPECT_NE(std::string(e.what()).find(OpRegistry::get().at(b.op).name), std::string::npos) << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, BadInput,
    ::testing::Values(
        Bad{"tile", {{"reps", "(1099511627776, 1099511627776)"}}, {{2, 3}}},
        Bad{"repeat", {{"repeats", "4611686018427387904"}, {"axis", "0"}}, {{4, 3}}},
        Bad{"repeat", {{"repeats", "4611686018427387904"}}, {{4, 3}}},
        Bad{"Pad", {{"mode", "constant"}, {"pad_width", "(0, 0, 1099511627776, 1099511627776)"}}, {{2, 3}}},
        Bad{"Pad", {{"mode", "constant"}, {"pad_width", "(0, 0, 9223372036854775807, 1)"}}, {{2, 3}}},
        Bad{"_arange", {{"start", "0"}, {"stop", "1e30"}}, {}},
        Bad{"_arange", {{"start", "0"}, {"stop", "inf"}}, {}},
        Bad{"_eye", {{"N", "4294967296"}, {"M", "4294967296"}}, {}},
        Bad{"_backward_slice", {{"shape", "(-3,)"}, {"begin", "(0,)"}, {"end", "(1,)"}}, {{1}}},
        Bad{"_backward_pad", {{"mode", "constant"}, {"pad_width", "(3, 3)"}}, {{2}}},
        Bad{"one_hot", {{"depth", "-1"}}, {{3}}},
        Bad{"_full", {{"shape", "(4294967296, 4294967296)"}, {"value", "1"}}, {}},
        Bad{"_random_uniform", {{"shape", "(4294967296, 4294967296)"}}, {}},
        Bad{"topk", {{"k", "9"}}, {{2, 3}}},
        Bad{"slice", {{"begin", "(0,)"}, {"end", "(1,)"}, {"step", "(0,)"}}, {{3}}},
        Bad{"SliceChannel", {{"num_outputs", "4"}}, {{2, 6}}},
        Bad{"Concat", {{"num_args", "2"}, {"dim", "1"}}, {{2, 3}, {3, 3}}}));

// Degenerate but legal: empty arrays give empty results.
TEST(EmptyInputs, GiveEmptyResults) {
  NDArray e = NDArray::empty(Shape{0, 3}, DType::kFloat32, Device::cpu());
  for (const char* op : {"sort", "argsort", "relu", "exp", "softmax", "log_softmax", "transpose", "reverse"}) {
    const OpDef& d = OpRegistry::get().at(op);
    std::vector<ParamKV> params;
    if (std::string(op) == "reverse") params.emplace_back("axis", "(0,)");
    auto out = invoke(d.parse(params), std::vector<NDArray>{e}, {}, InvokeFlags{});
    out[0].wait_to_read();
    EXPECT_EQ(out[0].size(), 0) << op;
  }
}

}  // namespace
}  // namespace sn
