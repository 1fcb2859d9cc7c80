// The symbol ABI through the public header only: typed and string composition (and what each records for
// the JSON), listing, attributes, inference buffers, JSON, handle counts and bad arguments.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "c_api/api_test_util.h"
#include "sharpnet/c_api.h"

namespace {

using sn_test::op_id;
using sn_test::param_index;

std::vector<std::string> names(sn_symbol_t s, sn_symbol_list_kind kind) {
  const uint8_t* text = nullptr;
  int64_t length = 0;
  int32_t count = 0;
  EXPECT_EQ(sn_symbol_list(s, kind, &text, &length, &count), SN_OK) << sn_last_error();
  std::vector<std::string> out;
  for (int64_t at = 0; at < length;) {
    out.emplace_back(reinterpret_cast<const char*>(text) + at);
    at += static_cast<int64_t>(out.back().size()) + 1;
  }
  EXPECT_EQ(static_cast<int32_t>(out.size()), count);
  return out;
}

std::string bytes(std::initializer_list<std::string> parts) {
  std::string s;
  for (const std::string& p : parts) s += p + '\0';
  return s;
}

TEST(SymbolApi, ComposesWithTypedParametersRecordedInPythonSpelling) {
  int64_t before = 0;
  ASSERT_EQ(sn_symbol_live_count(&before), SN_OK);
  sn_symbol_t data = nullptr, conv = nullptr;
  ASSERT_EQ(sn_symbol_create_variable("data", &data), SN_OK);
  const int32_t op = op_id("Convolution");
  const int64_t ints[] = {3, 3, 1, 1};
  const sn_param params[] = {
      {param_index(op, "kernel"), SN_VALUE_INT_TUPLE, 0, 0, 0, 2},
      {param_index(op, "pad"), SN_VALUE_INT_TUPLE, 0, 0, 2, 2},
      {param_index(op, "num_filter"), SN_VALUE_INT, 64, 0, 0, 0},
  };
  const sn_symbol_t inputs[] = {data};
  ASSERT_EQ(sn_symbol_create_op(op, params, 3, ints, 4, nullptr, 0, nullptr, 0, inputs, 1, "conv1", &conv), SN_OK)
      << sn_last_error();
  EXPECT_EQ(names(conv, SN_SYMBOL_ARGUMENTS), (std::vector<std::string>{"data", "conv1_weight", "conv1_bias"}));
  EXPECT_EQ(names(conv, SN_SYMBOL_OUTPUTS), (std::vector<std::string>{"conv1_output"}));
  const uint8_t* text = nullptr;
  int64_t length = 0;
  int32_t count = 0;
  ASSERT_EQ(sn_symbol_list_attr(conv, 0, &text, &length, &count), SN_OK);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(length)),
            bytes({"kernel", "(3, 3)", "num_filter", "64", "pad", "(1, 1)"}));
  EXPECT_EQ(count, 3);

  // Shapes: arguments, then outputs, then auxiliary states, legacy spelling.
  const std::string keys = bytes({"data"});
  const int64_t dims[] = {2, 3, 8, 8};
  const int32_t ndims[] = {4};
  const int64_t* rd = nullptr;
  const int32_t* rn = nullptr;
  int32_t na = 0, no = 0, nx = 0;
  uint8_t complete = 0;
  ASSERT_EQ(sn_symbol_infer_shape(conv, reinterpret_cast<const uint8_t*>(keys.data()), static_cast<int32_t>(keys.size()),
                                  dims, 4, ndims, 1, &rd, &rn, &na, &no, &nx, &complete),
            SN_OK)
      << sn_last_error();
  ASSERT_EQ(na, 3);
  ASSERT_EQ(no, 1);
  EXPECT_EQ(nx, 0);
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(std::vector<int32_t>(rn, rn + 4), (std::vector<int32_t>{4, 4, 1, 4}));
  EXPECT_EQ(std::vector<int64_t>(rd, rd + 13), (std::vector<int64_t>{2, 3, 8, 8, 64, 3, 3, 3, 64, 2, 64, 8, 8}));

  const char* json = nullptr;
  ASSERT_EQ(sn_symbol_to_json(conv, &json), SN_OK);
  sn_symbol_t back = nullptr;
  ASSERT_EQ(sn_symbol_from_json(json, &back), SN_OK) << sn_last_error();
  const std::string first = json;
  ASSERT_EQ(sn_symbol_to_json(back, &json), SN_OK);
  EXPECT_EQ(first, json);

  int64_t during = 0;
  ASSERT_EQ(sn_symbol_live_count(&during), SN_OK);
  EXPECT_EQ(during, before + 3);
  for (sn_symbol_t s : {data, conv, back}) EXPECT_EQ(sn_symbol_free(s), SN_OK);
  EXPECT_EQ(sn_symbol_free(nullptr), SN_OK);
  int64_t after = 0;
  ASSERT_EQ(sn_symbol_live_count(&after), SN_OK);
  EXPECT_EQ(after, before);
}

TEST(SymbolApi, StringParametersKeepTheirTextAndHiddenKeysBecomeAttributes) {
  sn_symbol_t x = nullptr, act = nullptr, internals = nullptr, picked = nullptr;
  ASSERT_EQ(sn_symbol_create_variable("x", &x), SN_OK);
  const std::string kv = bytes({"act_type", "relu", "__lr_mult__", "0.1"});
  const sn_symbol_t inputs[] = {x};
  ASSERT_EQ(sn_symbol_create_op_from_strings(op_id("Activation"), reinterpret_cast<const uint8_t*>(kv.data()),
                                             static_cast<int32_t>(kv.size()), inputs, 1, "act", &act),
            SN_OK)
      << sn_last_error();
  uint8_t found = 0;
  const char* value = nullptr;
  ASSERT_EQ(sn_symbol_get_attr(act, "__lr_mult__", &found, &value), SN_OK);
  EXPECT_EQ(found, 1);
  EXPECT_STREQ(value, "0.1");
  ASSERT_EQ(sn_symbol_get_attr(act, "missing", &found, &value), SN_OK);
  EXPECT_EQ(found, 0);
  ASSERT_EQ(sn_symbol_get_internals(act, &internals), SN_OK);
  ASSERT_EQ(sn_symbol_get_output_by_name(internals, "x", &picked), SN_OK);
  const char* name = nullptr;
  ASSERT_EQ(sn_symbol_get_name(picked, &name), SN_OK);
  EXPECT_STREQ(name, "x");
  uint8_t has = 1;
  sn_symbol_t children = nullptr;
  ASSERT_EQ(sn_symbol_get_children(picked, &has, &children), SN_OK);
  EXPECT_EQ(has, 0);
  EXPECT_EQ(children, nullptr);
  for (sn_symbol_t s : {x, act, internals, picked}) sn_symbol_free(s);
}

TEST(SymbolApi, FloatsAreSpelledAsPythonAndAsParametersAre) {
  const char* text = nullptr;
  for (auto [v, spelled] : std::vector<std::pair<double, const char*>>{
           {2.0, "2.0"}, {1e-05, "1e-05"}, {1e16, "1e+16"}, {0.1, "0.1"}, {-0.0, "-0.0"}}) {
    ASSERT_EQ(sn_format_python_float(v, &text), SN_OK);
    EXPECT_STREQ(text, spelled);
  }
  EXPECT_EQ(sn_format_python_float(1.0, nullptr), SN_ERR_INVALID_ARGUMENT);
}

TEST(SymbolApi, BadArgumentsFailWithMessagesAndLeakNothing) {
  int64_t before = 0;
  ASSERT_EQ(sn_symbol_live_count(&before), SN_OK);
  sn_symbol_t s = nullptr, out = nullptr;
  EXPECT_EQ(sn_symbol_create_variable("", &s), SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("'name' must not be empty"), std::string::npos) << sn_last_error();
  EXPECT_EQ(sn_symbol_create_variable(nullptr, &s), SN_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(sn_symbol_create_variable("x", &s), SN_OK);
  const sn_symbol_t inputs[] = {s};
  EXPECT_EQ(sn_symbol_create_op(op_id("relu"), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, inputs, 1, "", &out),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sn_symbol_create_op(-1, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, inputs, 1, "r", &out),
            SN_ERR_INDEX);
  const sn_symbol_t two[] = {s, s};
  EXPECT_EQ(sn_symbol_create_op(op_id("relu"), nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, two, 2, "r", &out),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("takes at most 1 inputs (data), got 2"), std::string::npos)
      << sn_last_error();
  const std::string kv = bytes({"act_type", "relu", "act_type", "tanh"});
  EXPECT_EQ(sn_symbol_create_op_from_strings(op_id("Activation"), reinterpret_cast<const uint8_t*>(kv.data()),
                                             static_cast<int32_t>(kv.size()), inputs, 1, "a", &out),
            SN_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(sn_last_error()).find("'act_type' is given more than once"), std::string::npos);
  const uint8_t* text = nullptr;
  int64_t length = 0;
  int32_t count = 0;
  EXPECT_EQ(sn_symbol_list(s, static_cast<sn_symbol_list_kind>(9), &text, &length, &count), SN_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sn_symbol_get_output(s, 1, &out), SN_ERR_INDEX);
  EXPECT_EQ(sn_symbol_get_output(s, -1, &out), SN_ERR_INDEX);
  EXPECT_EQ(sn_symbol_get_output_by_name(s, "y", &out), SN_ERR_NOT_FOUND);
  const std::string keys = bytes({"x", "y"});
  const int64_t dims[] = {2};
  const int32_t ndims[] = {1};
  const int64_t* rd;
  const int32_t* rn;
  int32_t na, no, nx;
  uint8_t complete;
  EXPECT_EQ(sn_symbol_infer_shape(s, reinterpret_cast<const uint8_t*>(keys.data()), static_cast<int32_t>(keys.size()),
                                  dims, 1, ndims, 1, &rd, &rn, &na, &no, &nx, &complete),
            SN_ERR_INVALID_ARGUMENT);  // two names, one shape
  const int32_t bad_types[] = {99};
  const int32_t* rt;
  EXPECT_EQ(sn_symbol_infer_type(s, reinterpret_cast<const uint8_t*>(keys.data()), 2, bad_types, 1, &rt, &na, &no, &nx,
                                 &complete),
            SN_ERR_TYPE);
  EXPECT_EQ(sn_symbol_from_json("{", &out), SN_ERR_FORMAT);
  EXPECT_EQ(sn_symbol_set_attr(nullptr, "k", "v"), SN_ERR_INVALID_ARGUMENT);
  sn_symbol_free(s);
  int64_t after = 0;
  ASSERT_EQ(sn_symbol_live_count(&after), SN_OK);
  EXPECT_EQ(after, before);
}

}  // namespace
