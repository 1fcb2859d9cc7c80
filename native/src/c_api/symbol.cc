// ABI: symbols (composition, listing, attributes, inference, JSON).
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "c_api/handles.h"
#include "core/param.h"
#include "graph/symbol.h"

using sn::capi::check_not_null;
using sn::capi::to_span;

namespace {

std::atomic<int64_t> g_live_symbols{0};

// Borrowed results: valid until the next call on this thread.
thread_local std::string t_text;
thread_local std::vector<int64_t> t_dims;
thread_local std::vector<int32_t> t_ints;

sn_symbol_t wrap(sn::Symbol s) {
  auto* h = new sn_symbol{std::move(s)};
  g_live_symbols.fetch_add(1, std::memory_order_relaxed);
  return h;
}

using sn::capi::borrow_strings;
using sn::capi::unwrap;

// The inputs of a composition: NULL entries stay null (auto-created variables).
std::vector<const sn::Symbol*> input_list(const sn_symbol_t* inputs, int32_t num_inputs, const char* function) {
  std::vector<const sn::Symbol*> list;
  for (sn_symbol_t h : to_span(inputs, num_inputs, function, "inputs")) list.push_back(h != nullptr ? &h->symbol : nullptr);
  return list;
}

std::string node_name(const char* name, const char* function) {
  check_not_null(name, function, "name");
  SN_CHECK(name[0] != '\0', function, ": argument 'name' must not be empty (the binding names nodes: NameManager)");
  return name;
}

// The dict of a typed composition: each given parameter in MXNet's spelling (text kept as written).
std::map<std::string, std::string> spelled(const sn::OpAttrs& attrs, std::span<const sn::IndexedParamValue> values) {
  std::map<std::string, std::string> dict;
  const auto fields = attrs.op->schema->fields();
  for (const sn::IndexedParamValue& v : values) {
    const sn::ParamField& f = fields[static_cast<size_t>(v.field)];
    dict[f.name] = v.value.kind == sn::ParamValue::Kind::kText ? std::string(v.value.text)
                                                              : f.access->print(f, attrs.params.get());
  }
  return dict;
}

}  // namespace

extern "C" {

SN_API sn_status sn_symbol_live_count(int64_t* handles) {
  SN_API_BEGIN();
  check_not_null(handles, "sn_symbol_live_count", "handles");
  *handles = g_live_symbols.load(std::memory_order_relaxed);
  SN_API_END();
}

SN_API sn_status sn_symbol_create_variable(const char* name, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_create_variable";
  check_not_null(out, kFn, "out");
  *out = wrap(sn::Symbol::variable(node_name(name, kFn)));
  SN_API_END();
}

SN_API sn_status sn_symbol_create_op(int32_t op, const sn_param* params, int32_t num_params, const int64_t* ints,
                                     int32_t num_ints, const double* floats, int32_t num_floats, const uint8_t* text,
                                     int32_t text_length, const sn_symbol_t* inputs, int32_t num_inputs,
                                     const char* name, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_create_op";
  check_not_null(out, kFn, "out");
  const sn::OpDef& d = sn::capi::op_at(op, kFn);
  const std::string node = node_name(name, kFn);
  auto values = sn::capi::to_values(d, params, num_params, ints, num_ints, floats, num_floats, text, text_length, kFn);
  sn::OpAttrs attrs = d.parse(values);
  auto dict = spelled(attrs, values);
  const auto list = input_list(inputs, num_inputs, kFn);
  *out = wrap(sn::Symbol::create(std::move(attrs), std::move(dict), list, node));
  SN_API_END();
}

SN_API sn_status sn_symbol_create_op_from_strings(int32_t op, const uint8_t* text, int32_t text_length,
                                                  const sn_symbol_t* inputs, int32_t num_inputs, const char* name,
                                                  sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_create_op_from_strings";
  check_not_null(out, kFn, "out");
  const sn::OpDef& d = sn::capi::op_at(op, kFn);
  const std::string node = node_name(name, kFn);
  std::map<std::string, std::string> dict;
  for (const auto& [k, v] : sn::capi::to_pairs(text, text_length, kFn, "text")) {
    SN_CHECK(dict.emplace(k, v).second, d.name, ": parameter '", k, "' is given more than once");
  }
  const auto list = input_list(inputs, num_inputs, kFn);
  *out = wrap(sn::Symbol::create(d, std::move(dict), list, node));
  SN_API_END();
}

SN_API sn_status sn_symbol_free(sn_symbol_t symbol) {
  SN_API_BEGIN();
  if (symbol != nullptr) {
    delete symbol;
    g_live_symbols.fetch_sub(1, std::memory_order_relaxed);
  }
  SN_API_END();
}

SN_API sn_status sn_symbol_copy(sn_symbol_t symbol, sn_symbol_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_symbol_copy", "out");
  *out = wrap(unwrap(symbol, "sn_symbol_copy").copy());
  SN_API_END();
}

SN_API sn_status sn_symbol_group(const sn_symbol_t* symbols, int32_t num_symbols, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_group";
  check_not_null(out, kFn, "out");
  std::vector<const sn::Symbol*> list;
  for (sn_symbol_t h : to_span(symbols, num_symbols, kFn, "symbols")) list.push_back(&unwrap(h, kFn, "symbols[i]"));
  *out = wrap(sn::Symbol::group(list));
  SN_API_END();
}

SN_API sn_status sn_symbol_num_outputs(sn_symbol_t symbol, int32_t* count) {
  SN_API_BEGIN();
  check_not_null(count, "sn_symbol_num_outputs", "count");
  *count = static_cast<int32_t>(unwrap(symbol, "sn_symbol_num_outputs").num_outputs());
  SN_API_END();
}

SN_API sn_status sn_symbol_get_output(sn_symbol_t symbol, int32_t index, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_get_output";
  check_not_null(out, kFn, "out");
  const sn::Symbol& s = unwrap(symbol, kFn);
  SN_CHECK_INDEX(index >= 0, "Symbol: output index ", index, " is out of range; the symbol has ", s.num_outputs(),
                 " output(s)");
  *out = wrap(s[static_cast<size_t>(index)]);
  SN_API_END();
}

SN_API sn_status sn_symbol_get_output_by_name(sn_symbol_t symbol, const char* name, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_get_output_by_name";
  check_not_null(out, kFn, "out");
  check_not_null(name, kFn, "name");
  *out = wrap(unwrap(symbol, kFn).output(name));
  SN_API_END();
}

SN_API sn_status sn_symbol_get_internals(sn_symbol_t symbol, sn_symbol_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_symbol_get_internals", "out");
  *out = wrap(unwrap(symbol, "sn_symbol_get_internals").internals());
  SN_API_END();
}

SN_API sn_status sn_symbol_get_children(sn_symbol_t symbol, uint8_t* has_children, sn_symbol_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_get_children";
  check_not_null(out, kFn, "out");
  check_not_null(has_children, kFn, "has_children");
  sn::Symbol children = unwrap(symbol, kFn).children();
  *has_children = children.outputs.empty() ? 0 : 1;
  *out = children.outputs.empty() ? nullptr : wrap(std::move(children));
  SN_API_END();
}

SN_API sn_status sn_symbol_list(sn_symbol_t symbol, sn_symbol_list_kind kind, const uint8_t** text, int64_t* length,
                                int32_t* count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_list";
  check_not_null(text, kFn, "text");
  check_not_null(length, kFn, "length");
  check_not_null(count, kFn, "count");
  const sn::Symbol& s = unwrap(symbol, kFn);
  std::vector<std::string> names;
  switch (kind) {
    case SN_SYMBOL_ARGUMENTS: names = s.list_arguments(); break;
    case SN_SYMBOL_OUTPUTS: names = s.list_outputs(); break;
    case SN_SYMBOL_AUXILIARY_STATES: names = s.list_auxiliary_states(); break;
    case SN_SYMBOL_INPUTS: names = s.list_inputs(); break;
    default: SN_THROW(kInvalidArgument, kFn, ": argument 'kind' expects an sn_symbol_list_kind (0 to 3), got ",
                      static_cast<int>(kind));
  }
  borrow_strings(names, text, length);
  *count = static_cast<int32_t>(names.size());
  SN_API_END();
}

SN_API sn_status sn_symbol_get_name(sn_symbol_t symbol, const char** name) {
  SN_API_BEGIN();
  check_not_null(name, "sn_symbol_get_name", "name");
  t_text = unwrap(symbol, "sn_symbol_get_name").name();
  *name = t_text.c_str();
  SN_API_END();
}

SN_API sn_status sn_symbol_get_attr(sn_symbol_t symbol, const char* key, uint8_t* found, const char** value) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_get_attr";
  check_not_null(key, kFn, "key");
  check_not_null(found, kFn, "found");
  check_not_null(value, kFn, "value");
  std::optional<std::string> v = unwrap(symbol, kFn).attr(key);
  *found = v ? 1 : 0;
  t_text = v.value_or("");
  *value = t_text.c_str();
  SN_API_END();
}

SN_API sn_status sn_symbol_list_attr(sn_symbol_t symbol, uint8_t recursive, const uint8_t** text, int64_t* length,
                                     int32_t* count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_list_attr";
  check_not_null(text, kFn, "text");
  check_not_null(length, kFn, "length");
  check_not_null(count, kFn, "count");
  std::vector<std::string> items;
  for (auto& [k, v] : unwrap(symbol, kFn).list_attr(recursive != 0)) {
    items.push_back(k);
    items.push_back(v);
  }
  borrow_strings(items, text, length);
  *count = static_cast<int32_t>(items.size() / 2);
  SN_API_END();
}

SN_API sn_status sn_symbol_set_attr(sn_symbol_t symbol, const char* key, const char* value) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_set_attr";
  check_not_null(key, kFn, "key");
  check_not_null(value, kFn, "value");
  SN_CHECK(symbol != nullptr, kFn, ": argument 'symbol' must not be NULL");
  symbol->symbol.set_attr(key, value);
  SN_API_END();
}

SN_API sn_status sn_symbol_infer_shape(sn_symbol_t symbol, const uint8_t* names, int32_t names_length,
                                       const int64_t* dims, int32_t num_dims, const int32_t* ndims, int32_t num_shapes,
                                       const int64_t** result_dims, const int32_t** result_ndims, int32_t* num_args,
                                       int32_t* num_outputs, int32_t* num_aux, uint8_t* complete) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_infer_shape";
  for (const void* p : {static_cast<const void*>(result_dims), static_cast<const void*>(result_ndims),
                        static_cast<const void*>(num_args), static_cast<const void*>(num_outputs),
                        static_cast<const void*>(num_aux), static_cast<const void*>(complete)})
    SN_CHECK(p != nullptr, kFn, ": out-parameters must not be NULL");
  const sn::Symbol& s = unwrap(symbol, kFn);
  const auto known = sn::capi::to_named_shapes(names, names_length, dims, num_dims, ndims, num_shapes, kFn);
  sn::ShapeInference r = sn::infer_shape(s, known);
  t_dims.clear();
  t_ints.clear();
  for (const auto* list : {&r.arguments, &r.outputs, &r.auxiliary_states})
    for (const sn::Shape& shape : *list) {
      const sn::Shape legacy = shape.to_legacy();
      t_ints.push_back(legacy.ndim_known() ? legacy.ndim() : 0);
      for (int64_t v : legacy.dims()) t_dims.push_back(v);
    }
  *result_dims = t_dims.data();
  *result_ndims = t_ints.data();
  *num_args = static_cast<int32_t>(r.arguments.size());
  *num_outputs = static_cast<int32_t>(r.outputs.size());
  *num_aux = static_cast<int32_t>(r.auxiliary_states.size());
  *complete = r.complete ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_symbol_infer_type(sn_symbol_t symbol, const uint8_t* names, int32_t names_length,
                                      const int32_t* dtypes, int32_t num_dtypes, const int32_t** result,
                                      int32_t* num_args, int32_t* num_outputs, int32_t* num_aux, uint8_t* complete) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_symbol_infer_type";
  for (const void* p : {static_cast<const void*>(result), static_cast<const void*>(num_args),
                        static_cast<const void*>(num_outputs), static_cast<const void*>(num_aux),
                        static_cast<const void*>(complete)})
    SN_CHECK(p != nullptr, kFn, ": out-parameters must not be NULL");
  const sn::Symbol& s = unwrap(symbol, kFn);
  const auto known = sn::capi::to_named_dtypes(names, names_length, dtypes, num_dtypes, kFn);
  sn::TypeInference r = sn::infer_type(s, known);
  t_ints.clear();
  for (const auto* list : {&r.arguments, &r.outputs, &r.auxiliary_states}) t_ints.insert(t_ints.end(), list->begin(), list->end());
  *result = t_ints.data();
  *num_args = static_cast<int32_t>(r.arguments.size());
  *num_outputs = static_cast<int32_t>(r.outputs.size());
  *num_aux = static_cast<int32_t>(r.auxiliary_states.size());
  *complete = r.complete ? 1 : 0;
  SN_API_END();
}

SN_API sn_status sn_symbol_to_json(sn_symbol_t symbol, const char** json) {
  SN_API_BEGIN();
  check_not_null(json, "sn_symbol_to_json", "json");
  t_text = sn::to_json(unwrap(symbol, "sn_symbol_to_json"));
  *json = t_text.c_str();
  SN_API_END();
}

SN_API sn_status sn_symbol_from_json(const char* json, sn_symbol_t* out) {
  SN_API_BEGIN();
  check_not_null(json, "sn_symbol_from_json", "json");
  check_not_null(out, "sn_symbol_from_json", "out");
  *out = wrap(sn::from_json(json));
  SN_API_END();
}

SN_API sn_status sn_format_python_float(double value, const char** text) {
  SN_API_BEGIN();
  check_not_null(text, "sn_format_python_float", "text");
  t_text = sn::detail::print_float(value);
  *text = t_text.c_str();
  SN_API_END();
}

}  // extern "C"

namespace sn::capi {

void borrow_strings(const std::vector<std::string>& items, const uint8_t** text, int64_t* length) {
  thread_local std::string buffer;
  buffer.clear();
  for (const std::string& s : items) {
    buffer += s;
    buffer += '\0';
  }
  *text = reinterpret_cast<const uint8_t*>(buffer.data());
  *length = static_cast<int64_t>(buffer.size());
}

std::map<std::string, Shape> to_named_shapes(const uint8_t* names, int32_t names_length, const int64_t* dims,
                                             int32_t num_dims, const int32_t* ndims, int32_t num_shapes,
                                             const char* function) {
  const auto keys = to_strings(names, names_length, function, "names");
  const auto nd = to_span(ndims, num_shapes, function, "ndims");
  const auto all = to_span(dims, num_dims, function, "dims");
  SN_CHECK(keys.size() == nd.size(), function, ": 'names' holds ", keys.size(), " names but 'ndims' ", nd.size(),
           " shapes");
  std::map<std::string, Shape> known;
  size_t at = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    SN_CHECK(nd[i] >= 0 && nd[i] <= Shape::kMaxNDim, function, ": ndims[", i, "] expects 0 to ", Shape::kMaxNDim,
             ", got ", nd[i]);
    SN_CHECK(at + static_cast<size_t>(nd[i]) <= all.size(), function, ": 'dims' holds ", all.size(),
             " dims, fewer than 'ndims' adds up to");
    const auto d = all.subspan(at, static_cast<size_t>(nd[i]));
    for (int64_t v : d) SN_CHECK_SHAPE(v >= 0, function, ": the shape of '", keys[i], "' has a negative dim ", v);
    at += d.size();
    SN_CHECK(known.emplace(std::string(keys[i]), Shape(d)).second, function, ": '", keys[i], "' is given twice");
  }
  SN_CHECK(at == all.size(), function, ": 'dims' holds ", all.size(), " dims but 'ndims' adds up to ", at);
  return known;
}

std::map<std::string, int> to_named_dtypes(const uint8_t* names, int32_t names_length, const int32_t* dtypes,
                                           int32_t num_dtypes, const char* function) {
  const auto keys = to_strings(names, names_length, function, "names");
  const auto types = to_span(dtypes, num_dtypes, function, "dtypes");
  SN_CHECK(keys.size() == types.size(), function, ": 'names' holds ", keys.size(), " names but 'dtypes' ",
           types.size());
  std::map<std::string, int> known;
  for (size_t i = 0; i < keys.size(); ++i) {
    SN_CHECK_TYPE(is_valid_dtype_flag(types[i]), function, ": the dtype of '", keys[i], "' expects an sn_dtype, got ",
                  types[i]);
    SN_CHECK(known.emplace(std::string(keys[i]), types[i]).second, function, ": '", keys[i], "' is given twice");
  }
  return known;
}

}  // namespace sn::capi
