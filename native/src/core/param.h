// Parameter reflection: typed fields with defaults, ranges, enum values and
// docs, parsed from MXNet's string spellings and printed back in them.
#pragma once

#include <cstdint>
#include <memory>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"

namespace sn {

// Note [Parameter spellings]
// Op parameters travel as strings in MXNet's JSON and Python API; these are
// the spellings Sharpnet reads and writes (Python's `str()` of the value):
//   bool        True / False (also true, false, 1, 0 when reading)
//   int         12, -3
//   float       Python's repr: 0.001, 1e-05, 1.0, inf, nan
//   shape       (3, 3), (3,), (); reading also accepts [3, 3], a bare 3, and
//               legacy "3L" items
//   float tuple (0.5, 1.0)
//   enum        the value's name: max
//   dtype       float32
//   optional    None
// Parsing is locale-independent; whitespace around values is ignored.

enum class ParamKind : int32_t {
  kBool = 0,
  kInt = 1,
  kFloat = 2,
  kString = 3,
  kShape = 4,       // a tuple of integers
  kFloatTuple = 5,  // a tuple of floats
  kEnum = 6,
  kDType = 7,
};
std::string_view param_kind_name(ParamKind kind) noexcept;

using FloatTuple = std::vector<double>;

// A value given by name, e.g. {"kernel", "(3, 3)"}.
using ParamKV = std::pair<std::string_view, std::string_view>;

// A value given typed (through the ABI) instead of as MXNet text. Conversions that lose nothing are
// accepted (an int for a float, an int tuple for a float tuple, one int for a shape); text is parsed.
struct ParamValue {
  enum class Kind : int32_t { kNone = 0, kBool = 1, kInt = 2, kFloat = 3, kText = 4, kIntTuple = 5, kFloatTuple = 6,
                              kDType = 7 };
  Kind kind = Kind::kNone;
  int64_t i = 0;  // kBool, kInt, kDType (its flag); for enum fields, kInt is the index into the enum names
  double f = 0;   // kFloat
  std::span<const int64_t> ints;
  std::span<const double> floats;
  std::string_view text;
  // The value in MXNet's spelling, for error messages.
  std::string to_string() const;
};
// A typed value for the field at `field` (its index in the schema).
struct IndexedParamValue {
  int32_t field = -1;
  ParamValue value;
};

struct ParamField;

namespace detail {
// Type-erased access to one member of a parameter struct.
struct FieldAccess {
  virtual ~FieldAccess() = default;
  virtual void reset(void* obj) const = 0;
  // Parses `text` into the member; returns false if it does not parse or is out of range.
  virtual bool parse(const ParamField& field, void* obj, std::string_view text) const = 0;
  virtual std::string print(const ParamField& field, const void* obj) const = 0;
  virtual bool is_default(const void* obj) const = 0;
  // Sets the member from a typed value; returns false if the kind does not fit or is out of range.
  virtual bool set(const ParamField& field, void* obj, const ParamValue& value) const = 0;
};
}  // namespace detail

struct ParamField {
  std::string name;
  ParamKind kind = ParamKind::kString;
  bool optional = false;         // "None" is a value
  bool required = false;         // no default: must be given
  std::string default_literal;   // Python spelling of the default; empty if required
  std::string doc;               // one line
  std::vector<std::string> enum_names;
  std::vector<int64_t> enum_values;
  std::optional<double> min, max;  // inclusive; for tuples, each item
  std::unique_ptr<detail::FieldAccess> access;

  // What a valid value looks like, e.g. "a shape such as (3, 3)".
  std::string expectation() const;
};

class ParamSchema {
 public:
  std::span<const ParamField> fields() const noexcept { return fields_; }
  const ParamField* find(std::string_view name) const noexcept;

  // Sets every field to its default.
  void reset(void* obj) const;
  // Sets defaults, then the given values. Errors name `owner` (the op), the
  // parameter, what was expected and what was given.
  void parse(void* obj, std::span<const ParamKV> kwargs, std::string_view owner) const;
  // As parse, from typed values addressed by field index.
  void set(void* obj, std::span<const IndexedParamValue> values, std::string_view owner) const;
  // Each field's value in Python spelling, in declaration order; optionally
  // only those that differ from the default.
  std::vector<std::pair<std::string, std::string>> print(const void* obj, bool non_default_only = false) const;

  std::vector<ParamField>& mutable_fields() noexcept { return fields_; }

 private:
  std::vector<ParamField> fields_;
};

// Fluent declaration of one field; see ParamBuilder::field. Use it within the
// declaring statement only (it refers into the schema's growing field list).
template <class P, class T>
class FieldBuilder;

namespace detail {

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct unwrap_optional { using type = T; };
template <class T> struct unwrap_optional<std::optional<T>> { using type = T; };

template <class T>
constexpr ParamKind kind_of() {
  if constexpr (std::is_same_v<T, bool>) return ParamKind::kBool;
  else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) return ParamKind::kInt;
  else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) return ParamKind::kFloat;
  else if constexpr (std::is_same_v<T, std::string>) return ParamKind::kString;
  else if constexpr (std::is_same_v<T, Shape>) return ParamKind::kShape;
  else if constexpr (std::is_same_v<T, FloatTuple>) return ParamKind::kFloatTuple;
  else if constexpr (std::is_same_v<T, DType>) return ParamKind::kDType;
  else if constexpr (std::is_enum_v<T>) return ParamKind::kEnum;
  else static_assert(sizeof(T) == 0, "unsupported parameter type");
}

// Scalar codecs (defined in param.cc). Parsers return nullopt on bad text.
std::optional<bool> parse_bool(std::string_view text);
std::optional<int64_t> parse_int(std::string_view text);
std::optional<double> parse_float(std::string_view text);
// Integer tuples may hold None items (slice's begin/end/step): stored as kTupleNone.
inline constexpr int64_t kTupleNone = std::numeric_limits<int64_t>::min();
std::optional<Shape> parse_int_tuple(std::string_view text);
std::optional<FloatTuple> parse_float_tuple(std::string_view text);
std::string print_float(double value);  // Python repr of a double
std::string print_float(float value);   // shortest repr of a float, in Python's layout
std::string print_int_tuple(const Shape& value);
std::string print_float_tuple(const FloatTuple& value);
bool in_range(const ParamField& field, double value);
std::string trim(std::string_view text);

template <class T>
bool parse_value(const ParamField& field, std::string_view text, T& out) {
  if constexpr (std::is_same_v<T, bool>) {
    auto v = parse_bool(text);
    if (v) out = *v;
    return v.has_value();
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
    auto v = parse_int(text);
    if (!v || !in_range(field, static_cast<double>(*v))) return false;
    if constexpr (std::is_same_v<T, int32_t>) {
      if (*v < INT32_MIN || *v > INT32_MAX) return false;
    }
    out = static_cast<T>(*v);
    return true;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    auto v = parse_float(text);
    if (!v || !in_range(field, *v)) return false;
    out = static_cast<T>(*v);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = std::string(text);
    return true;
  } else if constexpr (std::is_same_v<T, Shape>) {
    auto v = parse_int_tuple(text);
    if (!v) return false;
    for (int64_t d : v->dims())
      if (!in_range(field, static_cast<double>(d))) return false;
    out = std::move(*v);
    return true;
  } else if constexpr (std::is_same_v<T, FloatTuple>) {
    auto v = parse_float_tuple(text);
    if (!v) return false;
    for (double d : *v)
      if (!in_range(field, d)) return false;
    out = std::move(*v);
    return true;
  } else if constexpr (std::is_same_v<T, DType>) {
    auto v = parse_dtype(text);
    if (v) out = *v;
    return v.has_value();
  } else {
    static_assert(std::is_enum_v<T>);
    for (size_t i = 0; i < field.enum_names.size(); ++i) {
      if (field.enum_names[i] == text) {
        out = static_cast<T>(field.enum_values[i]);
        return true;
      }
    }
    return false;
  }
}

template <class T>
bool set_value(const ParamField& field, const ParamValue& v, T& out) {
  using K = ParamValue::Kind;
  if constexpr (std::is_same_v<T, bool>) {
    if (v.kind != K::kBool && !(v.kind == K::kInt && (v.i == 0 || v.i == 1))) return false;
    out = v.i != 0;
    return true;
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
    if (v.kind != K::kInt || !in_range(field, static_cast<double>(v.i))) return false;
    if constexpr (std::is_same_v<T, int32_t>) {
      if (v.i < INT32_MIN || v.i > INT32_MAX) return false;
    }
    out = static_cast<T>(v.i);
    return true;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    double d = v.kind == K::kFloat ? v.f : static_cast<double>(v.i);
    if ((v.kind != K::kFloat && v.kind != K::kInt) || !in_range(field, d)) return false;
    out = static_cast<T>(d);
    return true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return false;  // text only
  } else if constexpr (std::is_same_v<T, Shape>) {
    if (v.kind == K::kInt) {
      if (!in_range(field, static_cast<double>(v.i))) return false;
      out = Shape({v.i});
      return true;
    }
    if (v.kind != K::kIntTuple || v.ints.size() > static_cast<size_t>(Shape::kMaxNDim)) return false;
    for (int64_t d : v.ints)
      if (!in_range(field, static_cast<double>(d))) return false;
    out = Shape(v.ints);
    return true;
  } else if constexpr (std::is_same_v<T, FloatTuple>) {
    FloatTuple t;
    if (v.kind == K::kFloatTuple) t.assign(v.floats.begin(), v.floats.end());
    else if (v.kind == K::kIntTuple) for (int64_t d : v.ints) t.push_back(static_cast<double>(d));
    else if (v.kind == K::kFloat) t.push_back(v.f);
    else if (v.kind == K::kInt) t.push_back(static_cast<double>(v.i));
    else return false;
    for (double d : t)
      if (!in_range(field, d)) return false;
    out = std::move(t);
    return true;
  } else if constexpr (std::is_same_v<T, DType>) {
    if ((v.kind != K::kDType && v.kind != K::kInt) || !is_valid_dtype_flag(static_cast<int32_t>(v.i))) return false;
    out = static_cast<DType>(v.i);
    return true;
  } else {
    static_assert(std::is_enum_v<T>);
    if (v.kind != K::kInt || v.i < 0 || static_cast<size_t>(v.i) >= field.enum_values.size()) return false;
    out = static_cast<T>(field.enum_values[static_cast<size_t>(v.i)]);
    return true;
  }
}

template <class T>
std::string print_value(const ParamField& field, const T& value) {
  if constexpr (std::is_same_v<T, bool>) return value ? "True" : "False";
  else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) return std::to_string(value);
  else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) return print_float(value);
  else if constexpr (std::is_same_v<T, std::string>) return value;
  else if constexpr (std::is_same_v<T, Shape>) return print_int_tuple(value);
  else if constexpr (std::is_same_v<T, FloatTuple>) return print_float_tuple(value);
  else if constexpr (std::is_same_v<T, DType>) return std::string(dtype_name(value));
  else {
    static_assert(std::is_enum_v<T>);
    for (size_t i = 0; i < field.enum_values.size(); ++i)
      if (field.enum_values[i] == static_cast<int64_t>(value)) return field.enum_names[i];
    return std::to_string(static_cast<int64_t>(value));
  }
}

template <class P, class M>
class MemberAccess final : public FieldAccess {
 public:
  using Value = typename unwrap_optional<M>::type;
  explicit MemberAccess(M P::*member) : member_(member) {}

  void reset(void* obj) const override { static_cast<P*>(obj)->*member_ = default_; }
  bool parse(const ParamField& field, void* obj, std::string_view text) const override {
    M& slot = static_cast<P*>(obj)->*member_;
    if constexpr (is_optional<M>::value) {
      if (text == "None") {
        slot.reset();
        return true;
      }
      Value v{};
      if (!parse_value(field, text, v)) return false;
      slot = std::move(v);
      return true;
    } else {
      return parse_value(field, text, slot);
    }
  }
  std::string print(const ParamField& field, const void* obj) const override {
    const M& slot = static_cast<const P*>(obj)->*member_;
    if constexpr (is_optional<M>::value) {
      return slot ? print_value(field, *slot) : std::string("None");
    } else {
      return print_value(field, slot);
    }
  }
  bool is_default(const void* obj) const override { return static_cast<const P*>(obj)->*member_ == default_; }
  bool set(const ParamField& field, void* obj, const ParamValue& v) const override {
    if (v.kind == ParamValue::Kind::kText)
      return parse(field, obj, field.kind == ParamKind::kString ? std::string(v.text) : trim(v.text));
    M& slot = static_cast<P*>(obj)->*member_;
    if constexpr (is_optional<M>::value) {
      if (v.kind == ParamValue::Kind::kNone) {
        slot.reset();
        return true;
      }
      Value tmp{};
      if (!set_value(field, v, tmp)) return false;
      slot = std::move(tmp);
      return true;
    } else {
      return v.kind != ParamValue::Kind::kNone && set_value(field, v, slot);
    }
  }

  M P::*member_;
  M default_{};
};


}  // namespace detail

template <class P, class M>
class FieldBuilder {
 public:
  FieldBuilder(ParamField& field, detail::MemberAccess<P, M>& access) : field_(field), access_(access) {}

  // The value used when the parameter is not given; without one the field is required
  // (optional fields default to None).
  FieldBuilder& set_default(M value) {
    access_.default_ = std::move(value);
    field_.required = false;
    refresh_default();
    return *this;
  }
  // Inclusive bounds for numbers (each item for tuples).
  FieldBuilder& set_range(double lo, double hi) {
    field_.min = lo;
    field_.max = hi;
    refresh_default();
    return *this;
  }
  FieldBuilder& set_lower_bound(double lo) {
    field_.min = lo;
    refresh_default();
    return *this;
  }
  // Names of an enum field's values, in the order MXNet lists them.
  template <class E = typename detail::unwrap_optional<M>::type>
  FieldBuilder& set_enum(std::initializer_list<std::pair<std::string_view, E>> values) {
    static_assert(std::is_enum_v<E>, "set_enum applies to enum fields");
    for (const auto& [name, value] : values) {
      field_.enum_names.emplace_back(name);
      field_.enum_values.push_back(static_cast<int64_t>(value));
    }
    refresh_default();
    return *this;
  }

 private:
  void refresh_default() {
    if (field_.required) return;
    P holder{};  // a struct image holding the default, printed through the accessor
    holder.*(access_.member_) = access_.default_;
    field_.default_literal = access_.print(field_, &holder);
  }
  ParamField& field_;
  detail::MemberAccess<P, M>& access_;
};

// Collects a parameter struct's fields. A struct P declares
//   static void describe(ParamBuilder<P>& b) { b.field("kernel", &P::kernel, "Kernel size."); ... }
template <class P>
class ParamBuilder {
 public:
  explicit ParamBuilder(ParamSchema& schema) : schema_(schema) {}

  template <class M>
  FieldBuilder<P, M> field(std::string_view name, M P::*member, std::string_view doc) {
    using Value = typename detail::unwrap_optional<M>::type;
    auto access = std::make_unique<detail::MemberAccess<P, M>>(member);
    auto* raw = access.get();
    ParamField& f = schema_.mutable_fields().emplace_back();
    f.name = std::string(name);
    f.kind = detail::kind_of<Value>();
    f.optional = detail::is_optional<M>::value;
    f.required = !f.optional;
    f.default_literal = f.optional ? "None" : "";
    f.doc = std::string(doc);
    f.access = std::move(access);
    return FieldBuilder<P, M>(f, *raw);
  }

 private:
  ParamSchema& schema_;
};

// The schema of P, built once from P::describe.
template <class P>
const ParamSchema& param_schema() {
  static const ParamSchema schema = [] {
    ParamSchema s;
    ParamBuilder<P> builder(s);
    P::describe(builder);
    return s;
  }();
  return schema;
}

// Parses MXNet string parameters into a P; errors name `owner`.
template <class P>
P parse_params(std::string_view owner, std::span<const ParamKV> kwargs) {
  P p{};
  param_schema<P>().parse(&p, kwargs, owner);
  return p;
}

template <class P>
std::vector<std::pair<std::string, std::string>> print_params(const P& p, bool non_default_only = false) {
  return param_schema<P>().print(&p, non_default_only);
}

}  // namespace sn
