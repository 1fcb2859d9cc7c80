#include "core/dtype.h"

#include <array>
#include <ostream>

namespace sn {

namespace {
constexpr std::array<DTypeInfo, 9> kDTypes = {{
    {DType::kFloat32, "float32", 4, true, true},
    {DType::kFloat64, "float64", 8, true, true},
    {DType::kFloat16, "float16", 2, true, true},
    {DType::kUInt8, "uint8", 1, false, false},
    {DType::kInt32, "int32", 4, false, true},
    {DType::kInt8, "int8", 1, false, true},
    {DType::kInt64, "int64", 8, false, true},
    {DType::kBool, "bool", 1, false, false},
    {DType::kBFloat16, "bfloat16", 2, true, true},
}};
}  // namespace

std::span<const DTypeInfo> all_dtypes() noexcept { return kDTypes; }

bool is_valid_dtype_flag(int32_t flag) noexcept {
  for (const auto& info : kDTypes)
    if (static_cast<int32_t>(info.dtype) == flag) return true;
  return false;
}

const DTypeInfo& dtype_info(DType dtype) {
  for (const auto& info : kDTypes)
    if (info.dtype == dtype) return info;
  SN_THROW(kType, "unknown dtype flag ", static_cast<int32_t>(dtype), "; expected one of ", dtype_names_list());
}

std::optional<DType> parse_dtype(std::string_view name) noexcept {
  for (const auto& info : kDTypes)
    if (info.name == name) return info.dtype;
  return std::nullopt;
}

std::string dtype_names_list() {
  std::string out;
  for (const auto& info : kDTypes) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, DType dtype) {
  if (is_valid_dtype_flag(static_cast<int32_t>(dtype))) return os << dtype_name(dtype);
  return os << "dtype(" << static_cast<int32_t>(dtype) << ")";
}

void throw_unsupported_dtype(std::string_view op, DType got, std::span<const DType> supported) {
  SN_THROW(kType, op, ": dtype ", got, " is not supported; expected one of ", join(supported, ", "));
}

}  // namespace sn
