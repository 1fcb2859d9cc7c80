// Element types: MXNet's dtype flags, float16/bfloat16 storage types, and
// explicit dtype tables for dispatching kernels.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#if defined(__F16C__)
#include <immintrin.h>
#endif

#include "core/error.h"

namespace sn {

// Values are MXNet's dtype flags (its files store them) and the ABI's sn_dtype.
enum class DType : int32_t {
  kFloat32 = 0,
  kFloat64 = 1,
  kFloat16 = 2,
  kUInt8 = 3,
  kInt32 = 4,
  kInt8 = 5,
  kInt64 = 6,
  kBool = 7,
  kBFloat16 = 12,
};

struct DTypeInfo {
  DType dtype;
  std::string_view name;  // MXNet's spelling: "float32"
  int32_t size;           // bytes per element
  bool is_float;
  bool is_signed;
};

// Every dtype an array can have, in flag order.
std::span<const DTypeInfo> all_dtypes() noexcept;
const DTypeInfo& dtype_info(DType dtype);  // throws for a value outside the enum
inline std::string_view dtype_name(DType dtype) { return dtype_info(dtype).name; }
inline int32_t dtype_size(DType dtype) { return dtype_info(dtype).size; }
bool is_valid_dtype_flag(int32_t flag) noexcept;
std::optional<DType> parse_dtype(std::string_view name) noexcept;
// "float32, float64, ..." for messages.
std::string dtype_names_list();
std::ostream& operator<<(std::ostream& os, DType dtype);

// IEEE binary16 storage. Arithmetic happens in float (F16C on x86-64-v3).
struct half_t {
  uint16_t bits = 0;
  half_t() = default;
  explicit half_t(float f) noexcept : bits(from_float(f)) {}
  explicit operator float() const noexcept { return to_float(bits); }
  static half_t from_bits(uint16_t b) noexcept {
    half_t h;
    h.bits = b;
    return h;
  }
  static uint16_t from_float(float f) noexcept;
  static float to_float(uint16_t h) noexcept;
};

// bfloat16 storage: the upper half of a float32, rounded to nearest even.
struct bf16_t {
  uint16_t bits = 0;
  bf16_t() = default;
  explicit bf16_t(float f) noexcept : bits(from_float(f)) {}
  explicit operator float() const noexcept { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
  static bf16_t from_bits(uint16_t b) noexcept {
    bf16_t h;
    h.bits = b;
    return h;
  }
  static uint16_t from_float(float f) noexcept {
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN stays NaN, quiet
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
  }
};

namespace detail {
// Portable conversions (round to nearest even; subnormals, infinities, NaN).
// Used where F16C is absent, and by tests as the reference for the F16C path.
inline uint16_t half_from_float_sw(float f) noexcept {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((x >> 13) & 0x3ffu));
  if (x >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 2^16: infinity
  if (x < 0x38800000u) {                                                 // subnormal or zero in half
    float v = std::bit_cast<float>(x) + 0.5f;  // aligns the 2^-24 units at the bottom; the FPU rounds
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(v) - 0x3f000000u));
  }
  uint32_t mant_odd = (x >> 13) & 1u;
  x += 0xc8000fffu + mant_odd;  // rebias the exponent by -112 and round to nearest even
  return static_cast<uint16_t>(sign | (x >> 13));
}

inline float half_to_float_sw(uint16_t h) noexcept {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0u));  // NaN: quiet, as F16C
  if (exp == 0) {
    float v = static_cast<float>(mant) * 5.9604644775390625e-08f;  // mant * 2^-24
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}
}  // namespace detail

inline uint16_t half_t::from_float(float f) noexcept {
#if defined(__F16C__)
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
#else
  return detail::half_from_float_sw(f);
#endif
}

inline float half_t::to_float(uint16_t h) noexcept {
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  return detail::half_to_float_sw(h);
#endif
}

// The C++ storage type of each dtype and back.
template <DType D> struct dtype_storage;
template <> struct dtype_storage<DType::kFloat32> { using type = float; };
template <> struct dtype_storage<DType::kFloat64> { using type = double; };
template <> struct dtype_storage<DType::kFloat16> { using type = half_t; };
template <> struct dtype_storage<DType::kBFloat16> { using type = bf16_t; };
template <> struct dtype_storage<DType::kUInt8> { using type = uint8_t; };
template <> struct dtype_storage<DType::kInt8> { using type = int8_t; };
template <> struct dtype_storage<DType::kInt32> { using type = int32_t; };
template <> struct dtype_storage<DType::kInt64> { using type = int64_t; };
template <> struct dtype_storage<DType::kBool> { using type = bool; };

template <class T> inline constexpr DType dtype_of = [] {
  static_assert(sizeof(T) == 0, "no Sharpnet dtype for this C++ type");
  return DType::kFloat32;
}();
template <> inline constexpr DType dtype_of<float> = DType::kFloat32;
template <> inline constexpr DType dtype_of<double> = DType::kFloat64;
template <> inline constexpr DType dtype_of<half_t> = DType::kFloat16;
template <> inline constexpr DType dtype_of<bf16_t> = DType::kBFloat16;
template <> inline constexpr DType dtype_of<uint8_t> = DType::kUInt8;
template <> inline constexpr DType dtype_of<int8_t> = DType::kInt8;
template <> inline constexpr DType dtype_of<int32_t> = DType::kInt32;
template <> inline constexpr DType dtype_of<int64_t> = DType::kInt64;
template <> inline constexpr DType dtype_of<bool> = DType::kBool;

// Note [Explicit dtype tables]
// A kernel is instantiated only for the dtypes its op lists, never for all of
// them by default: compile time and binary size grow with the sum of the
// tables, not with ops x dtypes. dispatch_dtype<Table>(dtype, op, f) calls
// f.template operator()<T>() for the storage type T of `dtype`, and reports a
// dtype outside the table as a type error naming the op and the table.
template <class... Ts>
struct DTypeTable {
  static constexpr DType dtypes[] = {dtype_of<Ts>...};
  static bool contains(DType d) noexcept { return ((dtype_of<Ts> == d) || ...); }
};

using FloatDTypes = DTypeTable<float, double, half_t, bf16_t>;
using IntDTypes = DTypeTable<uint8_t, int8_t, int32_t, int64_t>;
using NumericDTypes = DTypeTable<float, double, half_t, bf16_t, uint8_t, int8_t, int32_t, int64_t>;
using AllDTypes = DTypeTable<float, double, half_t, bf16_t, uint8_t, int8_t, int32_t, int64_t, bool>;

[[noreturn]] void throw_unsupported_dtype(std::string_view op, DType got, std::span<const DType> supported);

namespace detail {
template <class F, class T, class... Rest>
decltype(auto) dispatch_dtype_impl(DType dtype, std::string_view op, std::span<const DType> table, F&& f) {
  if (dtype == dtype_of<T>) return f.template operator()<T>();
  if constexpr (sizeof...(Rest) > 0) {
    return dispatch_dtype_impl<F, Rest...>(dtype, op, table, std::forward<F>(f));
  } else {
    throw_unsupported_dtype(op, dtype, table);
  }
}
template <class F, class Table> struct Dispatcher;
template <class F, class... Ts>
struct Dispatcher<F, DTypeTable<Ts...>> {
  static decltype(auto) run(DType dtype, std::string_view op, F&& f) {
    return dispatch_dtype_impl<F, Ts...>(dtype, op, DTypeTable<Ts...>::dtypes, std::forward<F>(f));
  }
};
}  // namespace detail

template <class Table, class F>
decltype(auto) dispatch_dtype(DType dtype, std::string_view op, F&& f) {
  return detail::Dispatcher<F, Table>::run(dtype, op, std::forward<F>(f));
}

}  // namespace sn
