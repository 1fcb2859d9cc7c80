// The invoke path and the registry: bad inputs give errors that name the op,
// the argument, what was expected and what was given; `out` rules; lookups.
#include <gtest/gtest.h>

#include "autograd/autograd.h"
#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"
#include "op_calls.h"

namespace sn {
namespace {

using testing::call;
using testing::call_all;
using testing::run;

NDArray zeros(Shape s, DType t = DType::kFloat32, Device d = Device::cpu()) {
  NDArray a = NDArray::empty(s, t, d);
  fill(a, 0);
  return a;
}



TEST(Invoke, IncompatibleBroadcastNamesOpAndShapes) {
  EXPECT_ERROR(run("broadcast_add", {zeros({2, 3}), zeros({4})}), kShape, "broadcast_add");
  EXPECT_ERROR(run("broadcast_add", {zeros({2, 3}), zeros({4})}), kShape, "(2, 3)");
  EXPECT_ERROR(run("elemwise_mul", {zeros({2, 3}), zeros({3, 2})}), kShape, "elemwise_mul");
}

TEST(Invoke, WrongRanksAndSizes) {
  EXPECT_ERROR(run("batch_dot", {zeros({2, 3}), zeros({2, 3, 4})}), kShape, "batch_dot: expects 3-D inputs");
  EXPECT_ERROR(run("dot", {zeros({2, 3}), zeros({4, 5})}), kShape, "dot: shapes (2, 3) and (4, 5) do not match");
  EXPECT_ERROR(run("Reshape", {zeros({2, 3})}, {{"shape", "(4, 2)"}}), kShape, "Reshape");
  EXPECT_ERROR(run("sum", {zeros({2, 3})}, {{"axis", "(2,)"}}), kIndex, "sum: axis 2 is out of range");
  EXPECT_ERROR(run("transpose", {zeros({2, 3})}, {{"axes", "(0, 0)"}}), kShape, "transpose: axes (0, 0)");
  EXPECT_ERROR(run("broadcast_to", {zeros({2, 3})}, {{"shape", "(4, 3)"}}), kShape,
               "broadcast_to: an array of shape (2, 3) cannot be broadcast to shape (4, 3)");
}

TEST(Invoke, BadParametersNameTheParameter) {
  EXPECT_ERROR(run("sum", {zeros({2})}, {{"keepdims", "maybe"}}), kInvalidArgument, "keepdims");
  EXPECT_ERROR(run("sum", {zeros({2})}, {{"kepdims", "True"}}), kNotFound, "did you mean 'keepdims'");
  EXPECT_ERROR(run("expand_dims", {zeros({2})}), kInvalidArgument, "axis");
  EXPECT_ERROR(run("_plus_scalar", {zeros({2})}, {{"scalar", "x"}}), kInvalidArgument, "scalar");
}

TEST(Invoke, UnsupportedDTypesFailAtTheCall) {
  EXPECT_ERROR(run("exp", {zeros({2}, DType::kInt32)}), kType, "exp: dtype int32 is not supported");
  EXPECT_ERROR(run("dot", {zeros({2, 2}, DType::kInt8), zeros({2, 2}, DType::kInt8)}), kType, "dot: dtype int8");
  EXPECT_ERROR(run("elemwise_add", {zeros({2}), zeros({2}, DType::kFloat64)}), kType, "elemwise_add");
  EXPECT_ERROR(run("broadcast_mul", {zeros({2}, DType::kBool), zeros({2}, DType::kBool)}), kType, "bool");
}

TEST(Invoke, MixedContextsNameBothContexts) {
  EXPECT_ERROR(run("broadcast_add", {zeros({2}), zeros({2}, DType::kFloat32, Device::cpu(1))}), kInvalidArgument,
               "broadcast_add: all inputs must live on the same context, but input 0 is on cpu(0) and input 1 is on "
               "cpu(1)");
}

TEST(Invoke, InputCountsAndUnknownOps) {
  EXPECT_ERROR(run("elemwise_add", {zeros({2})}), kInvalidArgument, "elemwise_add: expected 2 input(s) (lhs, rhs), got 1");
  try {
    OpRegistry::get().at("broadcast_ad");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("did you mean 'broadcast_add'"), std::string::npos) << e.what();
  }
}

TEST(Invoke, OutRules) {
  NDArray a = zeros({2, 3}), b = zeros({2, 3});
  // Shape and dtype must match exactly.
  EXPECT_ERROR(run("elemwise_add", {a, b}, {}, {zeros({3, 2})}), kShape, "out has shape (3, 2)");
  EXPECT_ERROR(run("elemwise_add", {a, b}, {}, {zeros({2, 3}, DType::kFloat64)}), kShape, "dtype float64");
  // Aliasing an input only through a declared in-place pair.
  EXPECT_EQ(run("elemwise_add", {a, b}, {}, {a}).code, ErrorCode::kOk);
  EXPECT_ERROR(run("transpose", {a}, {}, {a.reshape({3, 2})}), kInvalidArgument,
               "transpose: out shares memory with input 0 (data)");
  EXPECT_ERROR(run("dot", {a, zeros({3, 3})}, {}, {a}), kInvalidArgument, "dot: out shares memory with input 0");
  // Too many outs.
  EXPECT_ERROR(run("exp", {a}, {}, {zeros({2, 3}), zeros({2, 3})}), kInvalidArgument, "exp has 1 output(s)");
}

TEST(Invoke, InPlaceResultIsCorrect) {
  NDArray a = NDArray::empty({4}, DType::kFloat32, Device::cpu());
  float v[] = {1, 2, 3, 4};
  copy_from_host(a, v, DType::kFloat32, 0, 4);
  auto r = invoke(OpRegistry::get().at("_mul_scalar").parse(std::vector<ParamKV>{{"scalar", "3"}}), std::vector{a},
                  std::vector{a}, InvokeFlags{});
  EXPECT_TRUE(r[0].same_chunk(a));
  copy_to_host(a, v, DType::kFloat32, 0, 4);
  EXPECT_EQ(v[3], 12);
}

TEST(Registry, EveryOpIsWellFormed) {
  for (const OpDef* op : OpRegistry::get().all()) {
    SCOPED_TRACE(op->name);
    EXPECT_FALSE(op->doc.empty());
    EXPECT_TRUE(op->infer_shape != nullptr);
    EXPECT_TRUE(op->infer_type != nullptr);
    EXPECT_TRUE(op->kernel(DeviceType::kCPU) != nullptr || op->async_kernel != nullptr);
    EXPECT_FALSE(op->dtypes.empty()) << "declare the dtypes its kernels support";
    EXPECT_EQ(OpRegistry::get().find(op->name), op);
    for (const std::string& a : op->aliases) EXPECT_EQ(OpRegistry::get().find(a), op) << a;
    for (auto [i, o] : op->inplace) {
      EXPECT_LT(o, op->num_visible_outputs);
      if (op->variadic_key.empty()) {
        EXPECT_LT(static_cast<size_t>(i), op->input_names.size());
      }
    }
    // Conditional inputs are trailing, in order, and name a parameter with a value.
    for (size_t k = 0; k < op->optional_inputs.size(); ++k) {
      const OpDef::OptionalInput& c = op->optional_inputs[k];
      EXPECT_EQ(static_cast<size_t>(c.index), op->input_names.size() - op->optional_inputs.size() + k);
      EXPECT_TRUE(op->schema->find(c.param) != nullptr) << c.param;
      EXPECT_FALSE(c.value.empty()) << c.param;
    }
    // Conditional outputs are trailing hidden ones, in order, and name a parameter with a value.
    for (size_t k = 0; k < op->optional_outputs.size(); ++k) {
      const OpDef::OptionalInput& c = op->optional_outputs[k];
      EXPECT_EQ(static_cast<size_t>(c.index), op->output_names.size() - op->optional_outputs.size() + k);
      EXPECT_GE(c.index, op->num_visible_outputs);
      EXPECT_TRUE(op->schema->find(c.param) != nullptr) << c.param;
      EXPECT_FALSE(c.value.empty()) << c.param;
    }
  }
}

TEST(Registry, ConditionalInputsSpellTheirValues) {
  const OpDef& softmax = OpRegistry::get().at("softmax");
  ASSERT_EQ(softmax.optional_inputs.size(), 1u);
  EXPECT_EQ(softmax.optional_inputs[0].value, "True");
  EXPECT_EQ(OpRegistry::get().at("FullyConnected").optional_inputs[0].value, "False");
  EXPECT_EQ(OpRegistry::get().at("LeakyReLU").optional_inputs[0].value, "prelu");
  EXPECT_EQ(softmax.num_inputs(softmax.parse(std::vector<ParamKV>{{"use_length", "True"}})), 2);
  EXPECT_EQ(softmax.num_inputs(softmax.defaults()), 1);
}

TEST(Registry, NameHintsFollowTheNameUsed) {
  EXPECT_EQ(OpDef::name_hint("_PlusScalar"), "_plusscalar");
  EXPECT_EQ(OpDef::name_hint("_plus_scalar"), "_plus_scalar");
  EXPECT_EQ(OpDef::name_hint("Convolution"), "convolution");
  EXPECT_EQ(OpRegistry::get().at("_PlusScalar").name, "_plus_scalar");
}

TEST(Registry, GradientsReadOnlyWhatTheyDeclare) {
  // An op whose gradient reads an undeclared input would fail in conformance; here: the declarations
  // are as narrow as intended for the ops that only need shapes.
  for (const char* name : {"sum", "mean", "Reshape", "Flatten", "expand_dims", "broadcast_add", "broadcast_to"}) {
    const OpDef& op = OpRegistry::get().at(name);
    for (bool r : op.grad_reads_input) EXPECT_FALSE(r) << name;
  }
}

}  // namespace
}  // namespace sn
