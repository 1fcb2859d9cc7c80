#include "core/param.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sn {

std::string_view param_kind_name(ParamKind kind) noexcept {
  switch (kind) {
    case ParamKind::kBool: return "bool";
    case ParamKind::kInt: return "int";
    case ParamKind::kFloat: return "float";
    case ParamKind::kString: return "string";
    case ParamKind::kShape: return "shape";
    case ParamKind::kFloatTuple: return "float tuple";
    case ParamKind::kEnum: return "enum";
    case ParamKind::kDType: return "dtype";
  }
  return "?";
}

namespace detail {

std::string trim(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "True" || text == "true" || text == "1") return true;
  if (text == "False" || text == "false" || text == "0") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_float(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

// Splits "(a, b)", "[a, b]", "(a,)", "()" or a bare "a" into trimmed items.
std::optional<std::vector<std::string>> split_tuple(std::string_view text) {
  std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  std::vector<std::string> items;
  char open = t.front();
  if (open != '(' && open != '[') {
    items.push_back(t);
    return items;
  }
  char close = open == '(' ? ')' : ']';
  if (t.size() < 2 || t.back() != close) return std::nullopt;
  std::string_view inner(t.data() + 1, t.size() - 2);
  if (trim(inner).empty()) return items;
  size_t start = 0;
  while (true) {
    size_t comma = inner.find(',', start);
    std::string item = trim(inner.substr(start, comma == std::string_view::npos ? inner.size() - start : comma - start));
    if (comma == std::string_view::npos) {
      if (!item.empty()) items.push_back(item);  // "(3,)": the trailing comma leaves an empty last item
      else if (items.empty()) return std::nullopt;
      break;
    }
    if (item.empty()) return std::nullopt;
    items.push_back(item);
    start = comma + 1;
  }
  return items;
}

// Python's float repr from the shortest round-trip digits.
template <class F>
std::string python_repr(F value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  if (s.front() == '-') {
    out += '-';
    s.remove_prefix(1);
  }
  size_t e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e))
    if (c != '.') digits += c;
  int exp = std::stoi(std::string(s.substr(e + 1)));
  size_t n = digits.size();
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {  // 0.000ddd
      out.append("0.").append(static_cast<size_t>(-exp - 1), '0').append(digits);
    } else if (static_cast<size_t>(exp) + 1 >= n) {  // ddd000.0
      out.append(digits).append(static_cast<size_t>(exp) + 1 - n, '0').append(".0");
    } else {  // dd.ddd
      size_t point = static_cast<size_t>(exp) + 1;
      out.append(digits, 0, point).append(".").append(digits, point, std::string::npos);
    }
  } else {  // d.ddde-XX, at least two exponent digits
    out.append(digits, 0, 1);
    if (n > 1) out.append(".").append(digits, 1, std::string::npos);
    out.append(exp < 0 ? "e-" : "e+");
    int mag = exp < 0 ? -exp : exp;
    if (mag < 10) out.append("0");
    out.append(std::to_string(mag));
  }
  return out;
}

std::string format_bound(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return python_repr(v);
}

std::string range_text(const ParamField& f) {
  if (f.min && f.max) return str(" in [", format_bound(*f.min), ", ", format_bound(*f.max), "]");
  if (f.min) return str(" >= ", format_bound(*f.min));
  if (f.max) return str(" <= ", format_bound(*f.max));
  return "";
}


}  // namespace

std::optional<Shape> parse_int_tuple(std::string_view text) {
  auto items = split_tuple(text);
  if (!items || items->size() > static_cast<size_t>(Shape::kMaxNDim)) return std::nullopt;
  Shape out;
  for (std::string item : *items) {
    if (!item.empty() && (item.back() == 'L' || item.back() == 'l')) item.pop_back();  // Python 2 longs
    if (item == "None") {  // slice bounds: "to the end"
      out.push_back(kTupleNone);
      continue;
    }
    auto v = parse_int(item);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::optional<FloatTuple> parse_float_tuple(std::string_view text) {
  auto items = split_tuple(text);
  if (!items) return std::nullopt;
  FloatTuple out;
  for (const std::string& item : *items) {
    auto v = parse_float(item);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::string print_float(double value) { return python_repr(value); }
std::string print_float(float value) { return python_repr(value); }

std::string print_int_tuple(const Shape& value) {
  std::string out = "(";
  for (int i = 0; i < value.ndim(); ++i) {
    if (i > 0) out += ", ";
    out += value[i] == kTupleNone ? std::string("None") : std::to_string(value[i]);
  }
  if (value.ndim() == 1) out += ",";
  return out + ")";
}

std::string print_float_tuple(const FloatTuple& value) {
  std::string out = "(";
  for (size_t i = 0; i < value.size(); ++i) {
    if (i > 0) out += ", ";
    out += python_repr(value[i]);
  }
  if (value.size() == 1) out += ",";
  return out + ")";
}

bool in_range(const ParamField& field, double value) {
  if (std::isnan(value)) return !field.min && !field.max;
  return (!field.min || value >= *field.min) && (!field.max || value <= *field.max);
}

}  // namespace detail

std::string ParamField::expectation() const {
  std::string text;
  switch (kind) {
    case ParamKind::kBool: text = "a boolean (True or False)"; break;
    case ParamKind::kInt: text = "an integer" + detail::range_text(*this); break;
    case ParamKind::kFloat: text = "a number" + detail::range_text(*this); break;
    case ParamKind::kString: text = "a string"; break;
    case ParamKind::kShape:
      text = "a shape such as (3, 3)";
      if (min || max) text += " with each item" + detail::range_text(*this);
      break;
    case ParamKind::kFloatTuple:
      text = "a tuple of numbers such as (0.5, 1.0)";
      if (min || max) text += " with each item" + detail::range_text(*this);
      break;
    case ParamKind::kEnum: text = "one of " + join(enum_names, ", ", "'"); break;
    case ParamKind::kDType: text = "a dtype name (one of " + dtype_names_list() + ")"; break;
  }
  if (optional) text += " or None";
  return text;
}

const ParamField* ParamSchema::find(std::string_view name) const noexcept {
  for (const auto& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

void ParamSchema::reset(void* obj) const {
  for (const auto& f : fields_) f.access->reset(obj);
}

void ParamSchema::parse(void* obj, std::span<const ParamKV> kwargs, std::string_view owner) const {
  reset(obj);
  std::vector<bool> seen(fields_.size(), false);
  for (const ParamKV& kv : kwargs) {
    const std::string_view key = kv.first, value = kv.second;
    const ParamField* f = find(key);
    if (f == nullptr) {
      std::vector<std::string_view> names;
      for (const auto& field : fields_) names.push_back(field.name);
      if (names.empty()) SN_THROW(kNotFound, owner, ": unknown parameter '", key, "'; ", owner, " takes no parameters");
      std::string_view best = closest_match(key, names);
      std::string hint = best.empty() ? std::string() : str("did you mean '", best, "'? ");
      SN_THROW(kNotFound, owner, ": unknown parameter '", key, "'; ", hint, owner, " takes ", join(names, ", "));
    }
    size_t index = static_cast<size_t>(f - fields_.data());
    SN_CHECK(!seen[index], owner, ": parameter '", key, "' is given more than once");
    seen[index] = true;
    std::string text = f->kind == ParamKind::kString ? std::string(value) : detail::trim(value);
    if (!f->access->parse(*f, obj, text)) {
      SN_THROW(kInvalidArgument, owner, ": parameter '", f->name, "' expects ", f->expectation(), ", got '", value, "'");
    }
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    const ParamField& f = fields_[i];
    SN_CHECK(seen[i] || !f.required, owner, ": required parameter '", f.name, "' is missing; it expects ",
             f.expectation(), " (", f.doc, ")");
  }
}

void ParamSchema::set(void* obj, std::span<const IndexedParamValue> values, std::string_view owner) const {
  reset(obj);
  std::vector<bool> seen(fields_.size(), false);
  for (const IndexedParamValue& iv : values) {
    SN_CHECK_INDEX(iv.field >= 0 && static_cast<size_t>(iv.field) < fields_.size(), owner, ": parameter index ",
                   iv.field, " is out of range (", owner, " has ", fields_.size(), " parameter(s))");
    const ParamField& f = fields_[static_cast<size_t>(iv.field)];
    SN_CHECK(!seen[static_cast<size_t>(iv.field)], owner, ": parameter '", f.name, "' is given more than once");
    seen[static_cast<size_t>(iv.field)] = true;
    if (!f.access->set(f, obj, iv.value)) {
      SN_THROW(kInvalidArgument, owner, ": parameter '", f.name, "' expects ", f.expectation(), ", got ",
               iv.value.to_string());
    }
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    const ParamField& f = fields_[i];
    SN_CHECK(seen[i] || !f.required, owner, ": required parameter '", f.name, "' is missing; it expects ",
             f.expectation(), " (", f.doc, ")");
  }
}

std::string ParamValue::to_string() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return i ? "True" : "False";
    case Kind::kInt: return std::to_string(i);
    case Kind::kFloat: return detail::print_float(f);
    case Kind::kText: return str("'", text, "'");
    case Kind::kIntTuple: {
      std::string t = "(";
      for (size_t k = 0; k < ints.size(); ++k) t += (k ? ", " : "") + std::to_string(ints[k]);
      return t + (ints.size() == 1 ? ",)" : ")");
    }
    case Kind::kFloatTuple: return detail::print_float_tuple(FloatTuple(floats.begin(), floats.end()));
    case Kind::kDType:
      return is_valid_dtype_flag(static_cast<int32_t>(i)) ? std::string(dtype_name(static_cast<DType>(i)))
                                                           : str("dtype flag ", i);
  }
  return "?";
}

std::vector<std::pair<std::string, std::string>> ParamSchema::print(const void* obj, bool non_default_only) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields_) {
    if (non_default_only && !f.required && f.access->is_default(obj)) continue;
    out.emplace_back(f.name, f.access->print(f, obj));
  }
  return out;
}

}  // namespace sn
