// Helpers of the ABI tests, through the public header only.
#pragma once

#include <gtest/gtest.h>

#include <cstring>

#include "sharpnet/c_api.h"

namespace sn_test {

// The id of an operator by name (a test failure if unknown).
inline int32_t op_id(const char* name) {
  int32_t id = -1;
  EXPECT_EQ(sn_op_find(name, &id), SN_OK) << sn_last_error();
  return id;
}

// The index of an operator's parameter by name, -1 if it has none.
inline int32_t param_index(int32_t op, const char* name) {
  const char *n, *doc, *vk;
  int32_t aliases, inputs, outputs, visible, params;
  uint8_t diff;
  EXPECT_EQ(sn_op_get_info(op, &n, &doc, &aliases, &inputs, &vk, &outputs, &visible, &params, &diff), SN_OK);
  for (int32_t i = 0; i < params; ++i) {
    const char *pn, *dflt, *pdoc;
    sn_param_kind kind, element;
    uint8_t optional, required;
    int32_t enums;
    EXPECT_EQ(sn_op_get_param(op, i, &pn, &kind, &element, &optional, &required, &dflt, &pdoc, &enums), SN_OK);
    if (std::strcmp(pn, name) == 0) return i;
  }
  return -1;
}

}  // namespace sn_test
