// The operator, autograd and custom-function ABI, through the public header only.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "c_api/api_test_util.h"
#include "sharpnet/c_api.h"

namespace {

using sn_test::op_id;
using sn_test::param_index;

sn_ndarray_t array(std::vector<float> v) {
  sn_ndarray_t a = nullptr;
  int64_t n = static_cast<int64_t>(v.size());
  EXPECT_EQ(sn_ndarray_create(&n, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &a), SN_OK);
  EXPECT_EQ(sn_ndarray_copy_from(a, v.data(), SN_DTYPE_FLOAT32, 0, n), SN_OK);
  return a;
}
std::vector<float> values(sn_ndarray_t a, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  EXPECT_EQ(sn_ndarray_copy_to(a, v.data(), SN_DTYPE_FLOAT32, 0, n), SN_OK) << sn_last_error();
  return v;
}

TEST(OpsApi, IntrospectionIsStructured) {
  int32_t count = 0;
  ASSERT_EQ(sn_op_count(&count), SN_OK);
  EXPECT_GT(count, 40);
  const int32_t add = op_id("broadcast_plus");  // an alias finds the op
  const char *name, *doc, *variadic;
  int32_t aliases, inputs, outputs, visible, params;
  uint8_t diff;
  ASSERT_EQ(sn_op_get_info(add, &name, &doc, &aliases, &inputs, &variadic, &outputs, &visible, &params, &diff), SN_OK);
  EXPECT_STREQ(name, "broadcast_add");
  EXPECT_EQ(inputs, 2);
  EXPECT_EQ(outputs, 1);
  EXPECT_EQ(visible, 1);
  EXPECT_EQ(params, 0);
  EXPECT_EQ(diff, 1);
  EXPECT_STREQ(variadic, "");
  const char *input, *alias, *hint;
  uint8_t aux;
  ASSERT_EQ(sn_op_get_input(add, 1, &input, &aux), SN_OK);
  EXPECT_STREQ(input, "rhs");
  EXPECT_EQ(aux, 0);
  EXPECT_EQ(sn_op_get_input(add, 2, &input, &aux), SN_ERR_INDEX);
  const char *cond_param, *cond_value;
  ASSERT_EQ(sn_op_get_input_condition(add, 1, &cond_param, &cond_value), SN_OK);
  EXPECT_STREQ(cond_param, "");  // always present
  EXPECT_STREQ(cond_value, "");
  const int32_t softmax = op_id("softmax");
  ASSERT_EQ(sn_op_get_input_condition(softmax, 1, &cond_param, &cond_value), SN_OK);
  EXPECT_STREQ(cond_param, "use_length");
  EXPECT_STREQ(cond_value, "True");
  EXPECT_EQ(sn_op_get_input_condition(softmax, 2, &cond_param, &cond_value), SN_ERR_INDEX);
  EXPECT_EQ(sn_op_get_input_condition(softmax, 0, nullptr, &cond_value), SN_ERR_INVALID_ARGUMENT);

  const int32_t plus_scalar = op_id("_plus_scalar");
  bool found = false;
  ASSERT_EQ(sn_op_get_info(plus_scalar, &name, &doc, &aliases, &inputs, &variadic, &outputs, &visible, &params, &diff),
            SN_OK);
  for (int32_t i = 0; i < aliases; ++i) {
    ASSERT_EQ(sn_op_get_alias(plus_scalar, i, &alias, &hint), SN_OK);
    if (std::strcmp(alias, "_PlusScalar") == 0) {
      found = true;
      EXPECT_STREQ(hint, "_plusscalar");
    }
  }
  EXPECT_TRUE(found);

  // sum's parameters: axis is an optional int tuple defaulting to None, keepdims a bool defaulting to False.
  const int32_t sum = op_id("sum");
  const char *pname, *dflt, *pdoc;
  sn_param_kind kind, element;
  uint8_t optional, required;
  int32_t enums;
  ASSERT_EQ(sn_op_get_param(sum, param_index(sum, "axis"), &pname, &kind, &element, &optional, &required, &dflt, &pdoc,
                            &enums), SN_OK);
  EXPECT_EQ(kind, SN_PARAM_TUPLE);
  EXPECT_EQ(element, SN_PARAM_INT);
  EXPECT_EQ(optional, 1);
  EXPECT_EQ(required, 0);
  EXPECT_STREQ(dflt, "None");
  ASSERT_EQ(sn_op_get_param(sum, param_index(sum, "keepdims"), &pname, &kind, &element, &optional, &required, &dflt,
                            &pdoc, &enums), SN_OK);
  EXPECT_EQ(kind, SN_PARAM_BOOL);
  EXPECT_STREQ(dflt, "False");
  EXPECT_GT(std::strlen(pdoc), 0u);

  // expand_dims's axis is required; normal's scale has a lower bound of 0.
  const int32_t expand = op_id("expand_dims");
  ASSERT_EQ(sn_op_get_param(expand, 0, &pname, &kind, &element, &optional, &required, &dflt, &pdoc, &enums), SN_OK);
  EXPECT_EQ(required, 1);
  EXPECT_STREQ(dflt, "");
  const int32_t normal = op_id("normal");
  uint8_t has_min, has_max;
  double lo, hi;
  ASSERT_EQ(sn_op_get_param_range(normal, param_index(normal, "scale"), &has_min, &lo, &has_max, &hi), SN_OK);
  EXPECT_EQ(has_min, 1);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(has_max, 0);

  sn_dtype dtypes[16];
  int32_t n = 0;
  ASSERT_EQ(sn_op_get_dtypes(op_id("exp"), dtypes, 16, &n), SN_OK);
  EXPECT_EQ(n, 4);

  EXPECT_EQ(sn_op_find("broadcast_ad", &n), SN_ERR_NOT_FOUND);
  EXPECT_NE(std::string(sn_last_error()).find("did you mean 'broadcast_add'"), std::string::npos);
  EXPECT_EQ(sn_op_get_info(count, &name, &doc, &aliases, &inputs, &variadic, &outputs, &visible, &params, &diff),
            SN_ERR_INDEX);
}

TEST(OpsApi, TypedInvoke) {
  sn_ndarray_t x = array({1, 2, 3});
  const int32_t mul = op_id("_mul_scalar");
  sn_param p{};
  p.field = 0;
  p.kind = SN_VALUE_INT;  // an int for a float parameter: lossless, accepted
  p.i = 4;
  sn_ndarray_t result = nullptr;
  int32_t n = 0;
  ASSERT_EQ(sn_op_invoke(mul, &p, 1, nullptr, 0, nullptr, 0, nullptr, 0, &x, 1, nullptr, 0, 0, SN_DEVICE_CPU, 0,
                         &result, 1, &n), SN_OK) << sn_last_error();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(values(result, 3), (std::vector<float>{4, 8, 12}));

  // A tuple parameter from the ints buffer; the result written into an out array.
  const int32_t reshape = op_id("Reshape");
  int64_t dims[] = {3, 1};
  sn_param shape{};
  shape.field = param_index(reshape, "shape");
  shape.kind = SN_VALUE_INT_TUPLE;
  shape.offset = 0;
  shape.length = 2;
  sn_ndarray_t out = nullptr;
  int64_t out_dims[] = {3, 1};
  ASSERT_EQ(sn_ndarray_create(out_dims, 2, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &out), SN_OK);
  sn_ndarray_t returned = reinterpret_cast<sn_ndarray_t>(1);
  ASSERT_EQ(sn_op_invoke(reshape, &shape, 1, dims, 2, nullptr, 0, nullptr, 0, &result, 1, &out, 1, 0, SN_DEVICE_CPU, 0,
                         &returned, 1, &n), SN_OK) << sn_last_error();
  EXPECT_EQ(returned, nullptr) << "no new handle where an out array was given";
  EXPECT_EQ(values(out, 3), (std::vector<float>{4, 8, 12}));

  // A kind that does not fit: the message names op, parameter, expectation and value.
  p.kind = SN_VALUE_INT_TUPLE;
  p.offset = 0;
  p.length = 2;
  EXPECT_EQ(sn_op_invoke(mul, &p, 1, dims, 2, nullptr, 0, nullptr, 0, &x, 1, nullptr, 0, 0, SN_DEVICE_CPU, 0, &result,
                         1, &n), SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("_mul_scalar: parameter 'scalar' expects"), std::string::npos)
      << sn_last_error();
  EXPECT_NE(std::string(sn_last_error()).find("got (3, 1)"), std::string::npos) << sn_last_error();
  // Offsets past the buffer are refused, never read.
  p.length = 5;
  EXPECT_EQ(sn_op_invoke(mul, &p, 1, dims, 2, nullptr, 0, nullptr, 0, &x, 1, nullptr, 0, 0, SN_DEVICE_CPU, 0, &result,
                         1, &n), SN_ERR_INVALID_ARGUMENT);
  // Unknown flag bits.
  EXPECT_EQ(sn_op_invoke(op_id("exp"), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, &x, 1, nullptr, 0, 64,
                         SN_DEVICE_CPU, 0, &result, 1, &n), SN_ERR_INVALID_ARGUMENT);
  sn_ndarray_free(result);
  sn_ndarray_free(out);
  sn_ndarray_free(x);
}

TEST(OpsApi, PreparedCallsFromStrings) {
  const char text[] = "axis\0(0,)\0keepdims\0True\0";
  sn_op_call_t call = nullptr;
  ASSERT_EQ(sn_op_call_create_from_strings(op_id("sum"), reinterpret_cast<const uint8_t*>(text), sizeof(text) - 1, &call),
            SN_OK) << sn_last_error();
  sn_ndarray_t x = array({1, 2, 3});
  for (int i = 0; i < 3; ++i) {
    sn_ndarray_t r = nullptr;
    int32_t n = 0;
    ASSERT_EQ(sn_op_call_invoke(call, &x, 1, nullptr, 0, 0, SN_DEVICE_CPU, 0, &r, 1, &n), SN_OK);
    EXPECT_EQ(values(r, 1), std::vector<float>{6});
    sn_ndarray_free(r);
  }
  // The call site's cached meta step follows changing input shapes, and still refuses bad ones.
  int64_t dims[] = {2, 3};
  sn_ndarray_t m = nullptr;
  ASSERT_EQ(sn_ndarray_create(dims, 2, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &m), SN_OK);
  ASSERT_EQ(sn_ndarray_fill(m, 2), SN_OK);
  for (sn_ndarray_t in : {m, x, m}) {
    sn_ndarray_t r = nullptr;
    int32_t n = 0;
    ASSERT_EQ(sn_op_call_invoke(call, &in, 1, nullptr, 0, 0, SN_DEVICE_CPU, 0, &r, 1, &n), SN_OK);
    int64_t shape[4];
    int32_t ndim = 0;
    sn_dtype dt;
    sn_device_type dev;
    int32_t id;
    ASSERT_EQ(sn_ndarray_get_info(r, shape, 4, &ndim, &dt, &dev, &id), SN_OK);
    if (in == m) {
      EXPECT_EQ(ndim, 2);
      EXPECT_EQ(shape[0], 1);
      EXPECT_EQ(shape[1], 3);
      EXPECT_EQ(values(r, 3), (std::vector<float>{4, 4, 4}));
    } else {
      EXPECT_EQ(ndim, 1);
      EXPECT_EQ(values(r, 1), std::vector<float>{6});
    }
    sn_ndarray_free(r);
  }
  sn_op_call_t add = nullptr;
  ASSERT_EQ(sn_op_call_create(op_id("broadcast_add"), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, &add), SN_OK);
  sn_ndarray_t pair[2] = {m, m};
  sn_ndarray_t r = nullptr;
  int32_t n = 0;
  ASSERT_EQ(sn_op_call_invoke(add, pair, 2, nullptr, 0, 0, SN_DEVICE_CPU, 0, &r, 1, &n), SN_OK);
  sn_ndarray_free(r);
  pair[1] = x;  // (2, 3) + (3,) broadcasts; then a cached (2, 3) + (2, 3) must not mask the mismatch below
  ASSERT_EQ(sn_op_call_invoke(add, pair, 2, nullptr, 0, 0, SN_DEVICE_CPU, 0, &r, 1, &n), SN_OK);
  sn_ndarray_free(r);
  sn_ndarray_t wrong = nullptr;
  int64_t wdims[] = {4};
  ASSERT_EQ(sn_ndarray_create(wdims, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &wrong), SN_OK);
  pair[1] = wrong;
  EXPECT_EQ(sn_op_call_invoke(add, pair, 2, nullptr, 0, 0, SN_DEVICE_CPU, 0, &r, 1, &n), SN_ERR_SHAPE);
  sn_op_call_free(add);
  sn_ndarray_free(wrong);
  sn_ndarray_free(m);
  sn_op_call_free(call);
  const char bad[] = "keepdims\0maybe\0";
  EXPECT_EQ(sn_op_call_create_from_strings(op_id("sum"), reinterpret_cast<const uint8_t*>(bad), sizeof(bad) - 1, &call),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("sum: parameter 'keepdims' expects"), std::string::npos);
  const char odd[] = "keepdims\0";
  EXPECT_EQ(sn_op_call_create_from_strings(op_id("sum"), reinterpret_cast<const uint8_t*>(odd), sizeof(odd) - 1, &call),
            SN_ERR_INVALID_ARGUMENT);
  sn_ndarray_free(x);
}

sn_ndarray_t call1(const char* op, std::vector<sn_ndarray_t> in, uint32_t flags) {
  sn_ndarray_t r = nullptr;
  int32_t n = 0;
  EXPECT_EQ(sn_op_invoke(op_id(op), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, in.data(),
                         static_cast<int32_t>(in.size()), nullptr, 0, flags, SN_DEVICE_CPU, 0, &r, 1, &n), SN_OK)
      << sn_last_error();
  return r;
}

TEST(OpsApi, AutogradApiExample) {
  sn_ndarray_t x = array({1, 2}), w = array({2, 3}), b = array({4});
  for (sn_ndarray_t a : {x, w, b}) ASSERT_EQ(sn_autograd_attach_grad(a, SN_GRAD_WRITE, nullptr), SN_OK);
  const uint32_t rec = SN_INVOKE_RECORDING | SN_INVOKE_TRAINING;
  sn_ndarray_t xw = call1("elemwise_mul", {x, w}, rec);
  sn_ndarray_t y = call1("broadcast_add", {xw, b}, rec);
  sn_ndarray_t z = call1("sum", {y}, rec);
  ASSERT_EQ(sn_autograd_backward(&z, 1, nullptr, 0, 0, 1), SN_OK) << sn_last_error();
  auto grad_of = [](sn_ndarray_t a, int64_t n) {
    uint8_t has = 0;
    sn_ndarray_t g = nullptr;
    EXPECT_EQ(sn_autograd_get_grad(a, &has, &g), SN_OK);
    EXPECT_EQ(has, 1);
    auto v = values(g, n);
    sn_ndarray_free(g);
    return v;
  };
  EXPECT_EQ(grad_of(x, 2), (std::vector<float>{2, 3}));
  EXPECT_EQ(grad_of(w, 2), (std::vector<float>{1, 2}));
  EXPECT_EQ(grad_of(b, 1), std::vector<float>{2});
  sn_grad_req req;
  ASSERT_EQ(sn_autograd_get_grad_req(x, &req), SN_OK);
  EXPECT_EQ(req, SN_GRAD_WRITE);
  EXPECT_EQ(sn_autograd_attach_grad(x, static_cast<sn_grad_req>(2), nullptr), SN_ERR_INVALID_ARGUMENT);
  // A second backward without retain_graph is refused with a clear state error.
  EXPECT_EQ(sn_autograd_backward(&z, 1, nullptr, 0, 0, 1), SN_ERR_INVALID_STATE);
  // grad with create_graph: d/dx sum(x^3) = 3x^2, then d/dx sum(3x^2) = 6x.
  sn_ndarray_t x2 = call1("square", {x}, rec);
  sn_ndarray_t x3 = call1("elemwise_mul", {x2, x}, rec);
  sn_ndarray_t g = nullptr;
  ASSERT_EQ(sn_autograd_grad(&x3, 1, nullptr, 0, &x, 1, 0, 1, 1, &g, 1), SN_OK) << sn_last_error();
  EXPECT_EQ(values(g, 2), (std::vector<float>{3, 12}));
  sn_ndarray_t g2 = nullptr;
  ASSERT_EQ(sn_autograd_grad(&g, 1, nullptr, 0, &x, 1, 0, 0, 1, &g2, 1), SN_OK) << sn_last_error();
  EXPECT_EQ(values(g2, 2), (std::vector<float>{6, 12}));
  for (sn_ndarray_t a : {x, w, b, xw, y, z, x2, x3, g, g2}) sn_ndarray_free(a);
}

// A custom function from C: out = in + 1; backward passes the gradient through (or fails).
struct State {
  int released = 0;
  bool fail = false;
};
sn_status add_one(void* user_data, int32_t stage, const sn_ndarray_t* in, int32_t num_in, const sn_ndarray_t* out,
                  int32_t num_out, uint8_t) {
  auto* s = static_cast<State*>(user_data);
  sn_status status = SN_OK;
  if (stage == 1 && s->fail) {
    sn_callback_set_error("backward refused");
    status = SN_ERR_CALLBACK;
  } else {
    sn_param p{};
    p.kind = SN_VALUE_FLOAT;
    p.f = stage == 0 ? 1.0 : 0.0;
    sn_ndarray_t r = nullptr;
    int32_t n = 0;
    status = sn_op_invoke(op_id("_plus_scalar"), &p, 1, nullptr, 0, nullptr, 0, nullptr, 0, in, 1, out, 1, 0,
                          SN_DEVICE_CPU, 0, &r, 1, &n);
  }
  for (int32_t i = 0; i < num_in; ++i) sn_ndarray_free(in[i]);
  for (int32_t i = 0; i < num_out; ++i) sn_ndarray_free(out[i]);
  return status;
}
void release(void* user_data) { static_cast<State*>(user_data)->released++; }

TEST(OpsApi, CustomFunctions) {
  State state;
  sn_ndarray_t x = array({1, 2});
  ASSERT_EQ(sn_autograd_attach_grad(x, SN_GRAD_WRITE, nullptr), SN_OK);
  int64_t shape[] = {2};
  int32_t ndims[] = {1};
  sn_dtype dtypes[] = {SN_DTYPE_FLOAT32};
  sn_ndarray_t y = nullptr;
  ASSERT_EQ(sn_custom_function_invoke(add_one, release, &state, &x, 1, shape, 1, ndims, 1, dtypes, 1,
                                      SN_INVOKE_RECORDING, &y, 1), SN_OK) << sn_last_error();
  EXPECT_EQ(values(y, 2), (std::vector<float>{2, 3}));
  sn_ndarray_t z = call1("square", {y}, SN_INVOKE_RECORDING);
  ASSERT_EQ(sn_autograd_backward(&z, 1, nullptr, 0, 0, 1), SN_OK);
  uint8_t has = 0;
  sn_ndarray_t g = nullptr;
  ASSERT_EQ(sn_autograd_get_grad(x, &has, &g), SN_OK);
  EXPECT_EQ(values(g, 2), (std::vector<float>{4, 6}));  // 2y passed through
  sn_ndarray_free(g);
  sn_ndarray_free(z);
  sn_ndarray_free(y);
  ASSERT_EQ(sn_engine_wait_all(), SN_OK);
  EXPECT_EQ(state.released, 1) << "released once the graph is gone";

  // A failing backward poisons the gradient: the message surfaces at the wait.
  State failing;
  failing.fail = true;
  ASSERT_EQ(sn_custom_function_invoke(add_one, release, &failing, &x, 1, shape, 1, ndims, 1, dtypes, 1,
                                      SN_INVOKE_RECORDING, &y, 1), SN_OK);
  ASSERT_EQ(sn_autograd_backward(&y, 1, nullptr, 0, 0, 1), SN_OK);
  ASSERT_EQ(sn_autograd_get_grad(x, &has, &g), SN_OK);
  EXPECT_EQ(sn_ndarray_wait_to_read(g), SN_ERR_CALLBACK);
  EXPECT_NE(std::string(sn_last_error()).find("CustomFunction backward: backward refused"), std::string::npos)
      << sn_last_error();
  EXPECT_EQ(sn_engine_wait_all(), SN_ERR_CALLBACK);
  sn_ndarray_free(g);
  sn_ndarray_free(y);

  // Bad arguments still release the user data exactly once.
  State bad;
  EXPECT_EQ(sn_custom_function_invoke(add_one, release, &bad, &x, 1, shape, 1, ndims, 1, dtypes, 0, 0, &y, 1),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bad.released, 1);
  sn_ndarray_free(x);
}

}  // namespace
