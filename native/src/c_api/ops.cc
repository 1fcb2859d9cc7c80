// ABI: operator introspection, prepared calls and invocation, the random seed.
#include <string>
#include <vector>

#include "c_api/handles.h"
#include "ops/imperative.h"

using sn::capi::check_not_null;
using sn::capi::to_device;
using sn::capi::to_span;

struct sn_op_call {
  sn::OpAttrs attrs;
  sn::MetaCache meta;  // the call site's last shapes and dtypes
};

namespace sn::capi {

const sn::OpDef& op_at(int32_t op, const char* function) {
  const auto all = sn::OpRegistry::get().all();
  SN_CHECK_INDEX(op >= 0 && static_cast<size_t>(op) < all.size(), function, ": argument 'op' expects an operator id in [0, ",
                 all.size(), "), got ", op);
  return *all[static_cast<size_t>(op)];
}

// Typed ABI values into the registry's form; every offset is checked against its buffer.
std::vector<sn::IndexedParamValue> to_values(const sn::OpDef& op, const sn_param* params, int32_t num_params,
                                             const int64_t* ints, int32_t num_ints, const double* floats,
                                             int32_t num_floats, const uint8_t* text, int32_t text_length,
                                             const char* function) {
  using K = sn::ParamValue::Kind;
  auto ps = to_span(params, num_params, function, "params");
  auto is = to_span(ints, num_ints, function, "ints");
  auto fs = to_span(floats, num_floats, function, "floats");
  auto ts = to_span(text, text_length, function, "text");
  std::vector<sn::IndexedParamValue> out;
  out.reserve(ps.size());
  for (size_t k = 0; k < ps.size(); ++k) {
    const sn_param& p = ps[k];
    sn::IndexedParamValue v;
    v.field = p.field;
    auto slice = [&](size_t size, const char* buffer) {
      SN_CHECK(p.offset >= 0 && p.length >= 0 && static_cast<uint64_t>(p.offset) + static_cast<uint64_t>(p.length) <= size,
               function, ": params[", k, "] (", op.name, ") takes [", p.offset, ", ", p.offset + p.length, ") of '",
               buffer, "', which holds ", size);
    };
    switch (p.kind) {
      case SN_VALUE_NONE: v.value.kind = K::kNone; break;
      case SN_VALUE_BOOL: v.value.kind = K::kBool; v.value.i = p.i; break;
      case SN_VALUE_INT: v.value.kind = K::kInt; v.value.i = p.i; break;
      case SN_VALUE_FLOAT: v.value.kind = K::kFloat; v.value.f = p.f; break;
      case SN_VALUE_DTYPE: v.value.kind = K::kDType; v.value.i = p.i; break;
      case SN_VALUE_TEXT:
        slice(ts.size(), "text");
        v.value.kind = K::kText;
        v.value.text = std::string_view(reinterpret_cast<const char*>(ts.data()) + p.offset, static_cast<size_t>(p.length));
        break;
      case SN_VALUE_INT_TUPLE:
        slice(is.size(), "ints");
        v.value.kind = K::kIntTuple;
        v.value.ints = is.subspan(static_cast<size_t>(p.offset), static_cast<size_t>(p.length));
        break;
      case SN_VALUE_FLOAT_TUPLE:
        slice(fs.size(), "floats");
        v.value.kind = K::kFloatTuple;
        v.value.floats = fs.subspan(static_cast<size_t>(p.offset), static_cast<size_t>(p.length));
        break;
      default:
        SN_THROW(kInvalidArgument, function, ": params[", k, "].kind expects an sn_value_kind (0 to 7), got ",
                 static_cast<int>(p.kind));
    }
    out.push_back(v);
  }
  return out;
}

std::vector<std::string_view> to_strings(const uint8_t* text, int32_t length, const char* function, const char* argument) {
  auto bytes = to_span(text, length, function, argument);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != 0) continue;
    parts.emplace_back(reinterpret_cast<const char*>(bytes.data()) + start, i - start);
    start = i + 1;
  }
  SN_CHECK(start == bytes.size(), function, ": argument '", argument, "' expects NUL-terminated strings, got ",
           parts.size(), " and a trailing piece without a NUL");
  return parts;
}

std::vector<ParamKV> to_pairs(const uint8_t* text, int32_t length, const char* function, const char* argument) {
  const std::vector<std::string_view> parts = to_strings(text, length, function, argument);
  SN_CHECK(parts.size() % 2 == 0, function, ": argument '", argument, "' expects key, NUL, value, NUL pairs, got ",
           parts.size(), " NUL-terminated string(s)");
  std::vector<ParamKV> kv;
  for (size_t i = 0; i < parts.size(); i += 2) kv.emplace_back(parts[i], parts[i + 1]);
  return kv;
}

}  // namespace sn::capi

namespace {

using sn::capi::op_at;
using sn::capi::to_values;

const sn::ParamField& param_at(const sn::OpDef& op, int32_t index, const char* function) {
  const auto fields = op.schema->fields();
  SN_CHECK_INDEX(index >= 0 && static_cast<size_t>(index) < fields.size(), function, ": ", op.name, " has ",
                 fields.size(), " parameter(s); index ", index, " is out of range");
  return fields[static_cast<size_t>(index)];
}

sn_param_kind kind_of(sn::ParamKind k) {
  switch (k) {
    case sn::ParamKind::kBool: return SN_PARAM_BOOL;
    case sn::ParamKind::kInt: return SN_PARAM_INT;
    case sn::ParamKind::kFloat: return SN_PARAM_FLOAT;
    case sn::ParamKind::kString: return SN_PARAM_STRING;
    case sn::ParamKind::kShape:
    case sn::ParamKind::kFloatTuple: return SN_PARAM_TUPLE;
    case sn::ParamKind::kEnum: return SN_PARAM_ENUM;
    case sn::ParamKind::kDType: return SN_PARAM_DTYPE;
  }
  return SN_PARAM_STRING;
}

sn_param_kind element_kind_of(sn::ParamKind k) {
  if (k == sn::ParamKind::kShape) return SN_PARAM_INT;
  if (k == sn::ParamKind::kFloatTuple) return SN_PARAM_FLOAT;
  return kind_of(k);
}

sn::InvokeFlags to_flags(uint32_t flags, const char* function) {
  constexpr uint32_t kKnown = SN_INVOKE_RECORDING | SN_INVOKE_TRAINING | SN_INVOKE_DEFERRED;
  SN_CHECK((flags & ~kKnown) == 0, function, ": argument 'flags' has unknown bits 0x", std::hex, flags & ~kKnown);
  sn::InvokeFlags f;
  f.recording = (flags & SN_INVOKE_RECORDING) != 0;
  f.training = (flags & SN_INVOKE_TRAINING) != 0;
  f.deferred = (flags & SN_INVOKE_DEFERRED) != 0;
  return f;
}

void invoke(const sn::OpAttrs& attrs, const sn_ndarray_t* inputs, int32_t num_inputs, const sn_ndarray_t* outs,
            int32_t num_outs, uint32_t flags, sn_device_type device_type, int32_t device_id, sn_ndarray_t* results,
            int32_t capacity, int32_t* num_results, const char* function, sn::MetaCache* cache = nullptr) {
  check_not_null(num_results, function, "num_results");
  const int visible = attrs.op->num_visible(attrs);
  SN_CHECK(capacity >= visible && (visible == 0 || results != nullptr), function, ": ", attrs.op->name, " has ",
           visible, " output(s) but 'results' has room for ", capacity);
  // Inline lists: a tiny op's call allocates nothing here.
  sn::ArrayList in, out, r;
  for (size_t i = 0, n = to_span(inputs, num_inputs, function, "inputs").size(); i < n; ++i) {
    SN_CHECK(inputs[i] != nullptr, function, ": inputs[", i, "] must not be NULL");
    in.push_back(inputs[i]->array);
  }
  for (sn_ndarray_t h : to_span(outs, num_outs, function, "outs")) out.push_back(h != nullptr ? h->array : sn::NDArray());
  const sn::Device device = to_device(device_type, device_id, function);
  sn::invoke_into(attrs, in.span(), out.span(), to_flags(flags, function), device, r, cache);
  for (int i = 0; i < visible; ++i) {
    const auto k = static_cast<size_t>(i);
    const bool given = k < out.size() && !out[k].is_none();
    results[i] = given ? nullptr : sn::capi::wrap(std::move(r[k]));
  }
  *num_results = visible;
}

}  // namespace

extern "C" {

SN_API sn_status sn_op_count(int32_t* count) {
  SN_API_BEGIN();
  check_not_null(count, "sn_op_count", "count");
  *count = static_cast<int32_t>(sn::OpRegistry::get().all().size());
  SN_API_END();
}

SN_API sn_status sn_op_find(const char* name, int32_t* op) {
  SN_API_BEGIN();
  check_not_null(name, "sn_op_find", "name");
  check_not_null(op, "sn_op_find", "op");
  *op = sn::OpRegistry::get().at(name).id;
  SN_API_END();
}

SN_API sn_status sn_op_get_info(int32_t op, const char** name, const char** doc, int32_t* num_aliases,
                                int32_t* num_inputs, const char** variadic_key, int32_t* num_outputs,
                                int32_t* num_visible_outputs, int32_t* num_params, uint8_t* differentiable) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_info";
  for (const void* p : {static_cast<const void*>(name), static_cast<const void*>(doc), static_cast<const void*>(num_aliases),
                        static_cast<const void*>(num_inputs), static_cast<const void*>(variadic_key),
                        static_cast<const void*>(num_outputs), static_cast<const void*>(num_visible_outputs),
                        static_cast<const void*>(num_params), static_cast<const void*>(differentiable)})
    SN_CHECK(p != nullptr, kFn, ": out-parameters must not be NULL");
  const sn::OpDef& d = op_at(op, kFn);
  *name = d.name.c_str();
  *doc = d.doc.c_str();
  *num_aliases = static_cast<int32_t>(d.aliases.size());
  *num_inputs = d.variadic_inputs() ? 0 : static_cast<int32_t>(d.input_names.size());
  *variadic_key = d.variadic_key.c_str();
  *num_outputs = d.num_outputs_fn ? -1 : static_cast<int32_t>(d.output_names.size());
  *num_visible_outputs = d.num_outputs_fn ? -1 : d.num_visible_outputs;
  *num_params = static_cast<int32_t>(d.schema->fields().size());
  *differentiable = d.differentiable() ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_op_get_alias(int32_t op, int32_t index, const char** alias, const char** name_hint) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_alias";
  check_not_null(alias, kFn, "alias");
  check_not_null(name_hint, kFn, "name_hint");
  const sn::OpDef& d = op_at(op, kFn);
  SN_CHECK_INDEX(index >= 0 && static_cast<size_t>(index) < d.aliases.size(), kFn, ": ", d.name, " has ",
                 d.aliases.size(), " alias(es); index ", index, " is out of range");
  *alias = d.aliases[static_cast<size_t>(index)].c_str();
  *name_hint = d.alias_hints[static_cast<size_t>(index)].c_str();
  SN_API_END();
}

namespace {
// `index` addresses one of the op's named inputs (variadic ops have none).
void check_named_input(const sn::OpDef& d, int32_t index, const char* fn) {
  SN_CHECK_INDEX(!d.variadic_inputs() && index >= 0 && static_cast<size_t>(index) < d.input_names.size(), fn, ": ",
                 d.name, " has ", d.variadic_inputs() ? 0 : d.input_names.size(), " named input(s); index ", index,
                 " is out of range");
}
}  // namespace

SN_API sn_status sn_op_get_input(int32_t op, int32_t index, const char** name, uint8_t* is_auxiliary) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_input";
  check_not_null(name, kFn, "name");
  check_not_null(is_auxiliary, kFn, "is_auxiliary");
  const sn::OpDef& d = op_at(op, kFn);
  check_named_input(d, index, kFn);
  *name = d.input_names[static_cast<size_t>(index)].c_str();
  *is_auxiliary = std::find(d.aux_inputs.begin(), d.aux_inputs.end(), index) != d.aux_inputs.end() ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_op_get_input_condition(int32_t op, int32_t index, const char** param, const char** value) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_input_condition";
  check_not_null(param, kFn, "param");
  check_not_null(value, kFn, "value");
  const sn::OpDef& d = op_at(op, kFn);
  check_named_input(d, index, kFn);
  const sn::OpDef::OptionalInput* o = d.optional_input(index);
  *param = o ? o->param.c_str() : "";
  *value = o ? o->value.c_str() : "";
  SN_API_END();
}

SN_API sn_status sn_op_get_output(int32_t op, int32_t index, const char** name, uint8_t* is_hidden) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_output";
  check_not_null(name, kFn, "name");
  check_not_null(is_hidden, kFn, "is_hidden");
  const sn::OpDef& d = op_at(op, kFn);
  SN_CHECK_INDEX(index >= 0 && static_cast<size_t>(index) < d.output_names.size(), kFn, ": ", d.name, " has ",
                 d.output_names.size(), " named output(s); index ", index, " is out of range");
  *name = d.output_names[static_cast<size_t>(index)].c_str();
  *is_hidden = index >= d.num_visible_outputs ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_op_get_param(int32_t op, int32_t index, const char** name, sn_param_kind* kind,
                                 sn_param_kind* element_kind, uint8_t* optional, uint8_t* required,
                                 const char** default_literal, const char** doc, int32_t* num_enum_names) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_param";
  for (const void* p : {static_cast<const void*>(name), static_cast<const void*>(kind),
                        static_cast<const void*>(element_kind), static_cast<const void*>(optional),
                        static_cast<const void*>(required), static_cast<const void*>(default_literal),
                        static_cast<const void*>(doc), static_cast<const void*>(num_enum_names)})
    SN_CHECK(p != nullptr, kFn, ": out-parameters must not be NULL");
  const sn::OpDef& d = op_at(op, kFn);
  const sn::ParamField& f = param_at(d, index, kFn);
  *name = f.name.c_str();
  *kind = kind_of(f.kind);
  *element_kind = element_kind_of(f.kind);
  *optional = f.optional ? 1 : 0;
  *required = f.required ? 1 : 0;
  *default_literal = f.default_literal.c_str();
  *doc = f.doc.c_str();
  *num_enum_names = static_cast<int32_t>(f.enum_names.size());
  SN_API_END();
}

SN_API sn_status sn_op_get_param_range(int32_t op, int32_t index, uint8_t* has_min, double* min, uint8_t* has_max,
                                       double* max) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_param_range";
  check_not_null(has_min, kFn, "has_min");
  check_not_null(min, kFn, "min");
  check_not_null(has_max, kFn, "has_max");
  check_not_null(max, kFn, "max");
  const sn::ParamField& f = param_at(op_at(op, kFn), index, kFn);
  *has_min = f.min.has_value() ? 1 : 0;
  *min = f.min.value_or(0);
  *has_max = f.max.has_value() ? 1 : 0;
  *max = f.max.value_or(0);
  SN_API_END();
}

SN_API sn_status sn_op_get_param_enum_name(int32_t op, int32_t index, int32_t value, const char** name) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_param_enum_name";
  check_not_null(name, kFn, "name");
  const sn::ParamField& f = param_at(op_at(op, kFn), index, kFn);
  SN_CHECK_INDEX(value >= 0 && static_cast<size_t>(value) < f.enum_names.size(), kFn, ": parameter '", f.name,
                 "' has ", f.enum_names.size(), " enum name(s); index ", value, " is out of range");
  *name = f.enum_names[static_cast<size_t>(value)].c_str();
  SN_API_END();
}

SN_API sn_status sn_op_get_dtypes(int32_t op, sn_dtype* dtypes, int32_t capacity, int32_t* count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_get_dtypes";
  check_not_null(count, kFn, "count");
  const sn::OpDef& d = op_at(op, kFn);
  SN_CHECK(capacity >= 0 && (capacity == 0 || dtypes != nullptr), kFn, ": argument 'dtypes' must not be NULL when ",
           "capacity is ", capacity);
  for (size_t i = 0; i < d.dtypes.size() && i < static_cast<size_t>(capacity); ++i)
    dtypes[i] = static_cast<sn_dtype>(d.dtypes[i]);
  *count = static_cast<int32_t>(d.dtypes.size());
  SN_API_END();
}

SN_API sn_status sn_op_call_create(int32_t op, const sn_param* params, int32_t num_params, const int64_t* ints,
                                   int32_t num_ints, const double* floats, int32_t num_floats, const uint8_t* text,
                                   int32_t text_length, sn_op_call_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_call_create";
  check_not_null(out, kFn, "out");
  const sn::OpDef& d = op_at(op, kFn);
  auto values = to_values(d, params, num_params, ints, num_ints, floats, num_floats, text, text_length, kFn);
  *out = new sn_op_call{d.parse(values), {}};
  SN_API_END();
}

SN_API sn_status sn_op_call_create_from_strings(int32_t op, const uint8_t* text, int32_t text_length,
                                                sn_op_call_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_call_create_from_strings";
  check_not_null(out, kFn, "out");
  const sn::OpDef& d = op_at(op, kFn);
  const std::vector<sn::ParamKV> kv = sn::capi::to_pairs(text, text_length, kFn, "text");
  *out = new sn_op_call{d.parse(kv), {}};
  SN_API_END();
}

SN_API sn_status sn_op_call_free(sn_op_call_t call) {
  SN_API_BEGIN();
  delete call;
  SN_API_END();
}

SN_API sn_status sn_op_call_invoke(sn_op_call_t call, const sn_ndarray_t* inputs, int32_t num_inputs,
                                   const sn_ndarray_t* outs, int32_t num_outs, uint32_t flags,
                                   sn_device_type device_type, int32_t device_id, sn_ndarray_t* results,
                                   int32_t capacity, int32_t* num_results) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_call_invoke";
  check_not_null(call, kFn, "call");
  invoke(call->attrs, inputs, num_inputs, outs, num_outs, flags, device_type, device_id, results, capacity, num_results,
         kFn, &call->meta);
  SN_API_END();
}

SN_API sn_status sn_op_invoke(int32_t op, const sn_param* params, int32_t num_params, const int64_t* ints,
                              int32_t num_ints, const double* floats, int32_t num_floats, const uint8_t* text,
                              int32_t text_length, const sn_ndarray_t* inputs, int32_t num_inputs,
                              const sn_ndarray_t* outs, int32_t num_outs, uint32_t flags, sn_device_type device_type,
                              int32_t device_id, sn_ndarray_t* results, int32_t capacity, int32_t* num_results) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_op_invoke";
  const sn::OpDef& d = op_at(op, kFn);
  auto values = to_values(d, params, num_params, ints, num_ints, floats, num_floats, text, text_length, kFn);
  invoke(d.parse(values), inputs, num_inputs, outs, num_outs, flags, device_type, device_id, results, capacity,
         num_results, kFn);
  SN_API_END();
}

SN_API sn_status sn_random_seed(uint64_t seed) {
  SN_API_BEGIN();
  sn::set_random_seed(seed);
  SN_API_END();
}

}  // extern "C"
