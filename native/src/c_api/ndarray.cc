// ABI: NDArray handles, copies, views, indexing, waits, and MXNet's NDArray files.
#include <atomic>
#include <string>
#include <vector>

#include "c_api/handles.h"
#include "core/reshape.h"
#include "ndarray/builtin.h"
#include "ndarray/indexing.h"
#include "ndarray/kernels.h"
#include "ndarray/serialization.h"

using sn::capi::check_not_null;
using sn::capi::to_device;

struct sn_ndarray_list {
  std::vector<sn::NDArray> arrays;
  std::vector<std::string> names;  // "" for an unnamed entry
};

namespace sn::capi {

std::atomic<int64_t> g_live_handles{0};

DType to_dtype(sn_dtype d, const char* function, const char* argument) {
  SN_CHECK_TYPE(is_valid_dtype_flag(static_cast<int32_t>(d)), function, ": argument '", argument,
                "' expects a dtype flag (one of ", dtype_names_list(), "), got ", static_cast<int>(d));
  return static_cast<DType>(d);
}

Shape to_shape(const int64_t* dims, int32_t ndim, const char* function) {
  SN_CHECK(ndim >= 0 && ndim <= Shape::kMaxNDim, function, ": argument 'ndim' expects 0 to ", Shape::kMaxNDim, ", got ",
           ndim);
  SN_CHECK(ndim == 0 || dims != nullptr, function, ": argument 'shape' must not be NULL when ndim is ", ndim);
  return Shape(std::span<const int64_t>(dims, static_cast<size_t>(ndim)));
}

std::vector<NDArray> unwrap_all(const sn_ndarray_t* handles, int32_t count, const char* function, const char* argument,
                                bool allow_null) {
  auto span = to_span(handles, count, function, argument);
  std::vector<NDArray> out;
  out.reserve(span.size());
  for (size_t i = 0; i < span.size(); ++i) {
    SN_CHECK(allow_null || span[i] != nullptr, function, ": ", argument, "[", i, "] must not be NULL");
    out.push_back(span[i] != nullptr ? span[i]->array : NDArray());
  }
  return out;
}

}  // namespace sn::capi

using sn::capi::to_dtype;
using sn::capi::to_shape;
using sn::capi::unwrap;
using sn::capi::wrap;

namespace {

std::vector<sn::IndexItem> to_key(const sn_index_item* key, int32_t n, const char* function) {
  SN_CHECK(n >= 0, function, ": argument 'key_length' expects a count >= 0, got ", n);
  SN_CHECK(n == 0 || key != nullptr, function, ": argument 'key' must not be NULL when key_length is ", n);
  std::vector<sn::IndexItem> items;
  items.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    const sn_index_item& k = key[i];
    SN_CHECK(k.kind == SN_INDEX_INT || k.kind == SN_INDEX_SLICE || k.kind == SN_INDEX_NEW_AXIS, function, ": key[", i,
             "].kind expects 0 (int), 1 (slice) or 2 (new axis), got ", static_cast<int>(k.kind));
    items.push_back(sn::IndexItem{static_cast<sn::IndexItem::Kind>(k.kind), k.start, k.stop, k.step, k.has_start != 0,
                                  k.has_stop != 0});
  }
  return items;
}

thread_local std::string t_list_name;  // the borrowed name of sn_ndarray_list_get

}  // namespace

extern "C" {

SN_API sn_status sn_ndarray_create(const int64_t* shape, int32_t ndim, sn_dtype dtype, sn_device_type device_type,
                                   int32_t device_id, sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_create";
  check_not_null(out, kFn, "out");
  sn::Shape s = to_shape(shape, ndim, kFn);
  for (int i = 0; i < s.ndim(); ++i) SN_CHECK_SHAPE(s[i] >= 0, kFn, ": dims must be >= 0, got shape ", s);
  *out = wrap(sn::NDArray::empty(s, to_dtype(dtype, kFn), to_device(device_type, device_id, kFn)));
  SN_API_END();
}

SN_API sn_status sn_ndarray_free(sn_ndarray_t array) {
  SN_API_BEGIN();
  sn::capi::free_handle(array);
  SN_API_END();
}

SN_API sn_status sn_ndarray_get_info(sn_ndarray_t array, int64_t* shape, int32_t capacity, int32_t* ndim,
                                     sn_dtype* dtype, sn_device_type* device_type, int32_t* device_id) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_get_info";
  const sn::NDArray& a = unwrap(array, kFn);
  check_not_null(ndim, kFn, "ndim");
  check_not_null(dtype, kFn, "dtype");
  check_not_null(device_type, kFn, "device_type");
  check_not_null(device_id, kFn, "device_id");
  const int n = a.shape().ndim();
  SN_CHECK(capacity >= n && (n == 0 || shape != nullptr), kFn, ": argument 'shape' needs room for ", n,
           " dims, got capacity ", capacity);
  for (int i = 0; i < n; ++i) shape[i] = a.shape()[i];
  *ndim = n;
  *dtype = static_cast<sn_dtype>(a.dtype());
  *device_type = static_cast<sn_device_type>(a.device().type);
  *device_id = a.device().id;
  SN_API_END();
}

SN_API sn_status sn_ndarray_fill(sn_ndarray_t array, double value) {
  SN_API_BEGIN();
  sn::fill(unwrap(array, "sn_ndarray_fill"), value);
  SN_API_END();
}

SN_API sn_status sn_ndarray_arange(sn_ndarray_t array, double start, double step, int64_t repeat) {
  SN_API_BEGIN();
  sn::arange(unwrap(array, "sn_ndarray_arange"), start, step, repeat);
  SN_API_END();
}

SN_API sn_status sn_ndarray_copy_from(sn_ndarray_t array, const void* data, sn_dtype data_dtype, int64_t offset,
                                      int64_t count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_copy_from";
  sn::copy_from_host(unwrap(array, kFn), data, to_dtype(data_dtype, kFn, "data_dtype"), offset, count);
  SN_API_END();
}

SN_API sn_status sn_ndarray_copy_to(sn_ndarray_t array, void* data, sn_dtype data_dtype, int64_t offset,
                                    int64_t count) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_copy_to";
  sn::copy_to_host(unwrap(array, kFn), data, to_dtype(data_dtype, kFn, "data_dtype"), offset, count);
  SN_API_END();
}

SN_API sn_status sn_ndarray_copy_to_async(sn_ndarray_t array, void* data, sn_dtype data_dtype, int64_t offset,
                                          int64_t count, sn_engine_callback callback, void* user_data) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_copy_to_async";
  const sn::NDArray& a = unwrap(array, kFn);
  sn::DType dt = to_dtype(data_dtype, kFn, "data_dtype");
  SN_CHECK(callback != nullptr, kFn, ": argument 'callback' must not be NULL");
  SN_CHECK_INDEX(offset >= 0 && count >= 0 && offset <= a.size() && count <= a.size() - offset, kFn, ": elements [",
                 offset, ", ", offset, " + ", count, ") are out of range for an array of ", a.size(), " elements");
  SN_CHECK(data != nullptr || count == 0, kFn, ": argument 'data' must not be NULL");
  a.ensure_allocated();
  sn::VarHandle r = a.var();
  // no_skip: a poisoned source still reaches the callback, with its error.
  const char* base = static_cast<const char*>(a.data()) + offset * sn::dtype_size(a.dtype());
  sn::Engine::get().push([base, sd = a.dtype(), data, dt, count, callback, user_data](const sn::RunContext& ctx) {
    if (ctx.input_poison) {
      sn::capi::report_outcome(callback, user_data, ctx.input_poison);
      return;
    }
    try {
      sn::convert(base, sd, data, dt, count, ctx.num_threads);
    } catch (...) {
      sn::capi::report_outcome(callback, user_data, std::current_exception());
      return;
    }
    callback(user_data, SN_OK, "");
  }, a.device(), std::span<const sn::VarHandle>(&r, 1), {}, sn::PushOptions{.no_skip = true, .name = "copy_to"});
  SN_API_END();
}

SN_API sn_status sn_ndarray_copy(sn_ndarray_t src, sn_ndarray_t dst) {
  SN_API_BEGIN();
  sn::copy(unwrap(src, "sn_ndarray_copy", "src"), unwrap(dst, "sn_ndarray_copy", "dst"));
  SN_API_END();
}

SN_API sn_status sn_ndarray_copy_to_device(sn_ndarray_t src, sn_device_type device_type, int32_t device_id,
                                           sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_copy_to_device";
  check_not_null(out, kFn, "out");
  *out = wrap(sn::copy_to_device(unwrap(src, kFn, "src"), to_device(device_type, device_id, kFn)));
  SN_API_END();
}

SN_API sn_status sn_ndarray_as_type(sn_ndarray_t src, sn_dtype dtype, sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_as_type";
  check_not_null(out, kFn, "out");
  *out = wrap(sn::as_type(unwrap(src, kFn, "src"), to_dtype(dtype, kFn)));
  SN_API_END();
}

SN_API sn_status sn_ndarray_reshape(sn_ndarray_t array, const int64_t* shape, int32_t ndim, uint8_t reverse,
                                    sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_reshape";
  check_not_null(out, kFn, "out");
  const sn::NDArray& a = unwrap(array, kFn);
  sn::Shape target = sn::infer_reshape(a.shape(), to_shape(shape, ndim, kFn), reverse != 0, "reshape");
  *out = wrap(a.reshape(target));
  SN_API_END();
}

SN_API sn_status sn_ndarray_slice(sn_ndarray_t array, int64_t begin, int64_t end, sn_ndarray_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_ndarray_slice", "out");
  *out = wrap(unwrap(array, "sn_ndarray_slice").slice(begin, end));
  SN_API_END();
}

SN_API sn_status sn_ndarray_at(sn_ndarray_t array, int64_t index, sn_ndarray_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_ndarray_at", "out");
  *out = wrap(unwrap(array, "sn_ndarray_at").at(index));
  SN_API_END();
}

SN_API sn_status sn_ndarray_get_item(sn_ndarray_t array, const sn_index_item* key, int32_t key_length, uint8_t* is_view,
                                     sn_ndarray_t* out) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_get_item";
  check_not_null(is_view, kFn, "is_view");
  check_not_null(out, kFn, "out");
  const sn::NDArray& a = unwrap(array, kFn);
  sn::NDArray r = sn::get_item(a, to_key(key, key_length, kFn));
  *is_view = r.same_chunk(a) ? 1 : 0;
  *out = wrap(std::move(r));
  SN_API_END();
}

SN_API sn_status sn_ndarray_set_item_scalar(sn_ndarray_t array, const sn_index_item* key, int32_t key_length,
                                            double value) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_set_item_scalar";
  sn::set_item(unwrap(array, kFn), to_key(key, key_length, kFn), value);
  SN_API_END();
}

SN_API sn_status sn_ndarray_set_item(sn_ndarray_t array, const sn_index_item* key, int32_t key_length, sn_ndarray_t value) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_set_item";
  sn::set_item(unwrap(array, kFn), to_key(key, key_length, kFn), unwrap(value, kFn, "value"));
  SN_API_END();
}

SN_API sn_status sn_ndarray_wait_to_read(sn_ndarray_t array) {
  SN_API_BEGIN();
  unwrap(array, "sn_ndarray_wait_to_read").wait_to_read();
  SN_API_END();
}

SN_API sn_status sn_ndarray_wait_to_write(sn_ndarray_t array) {
  SN_API_BEGIN();
  unwrap(array, "sn_ndarray_wait_to_write").wait_to_write();
  SN_API_END();
}

SN_API sn_status sn_ndarray_notify_when_readable(sn_ndarray_t array, sn_engine_callback callback, void* user_data) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_notify_when_readable";
  const sn::NDArray& a = unwrap(array, kFn);
  SN_CHECK(callback != nullptr, kFn, ": argument 'callback' must not be NULL");
  sn::Engine::get().notify_when_readable(a.var(), [callback, user_data](std::exception_ptr poison) {
    sn::capi::report_outcome(callback, user_data, poison);
  });
  SN_API_END();
}

SN_API sn_status sn_ndarray_live_count(int64_t* handles, int64_t* chunks) {
  SN_API_BEGIN();
  check_not_null(handles, "sn_ndarray_live_count", "handles");
  check_not_null(chunks, "sn_ndarray_live_count", "chunks");
  *handles = sn::capi::g_live_handles.load(std::memory_order_relaxed);
  *chunks = sn::Chunk::live_count();
  SN_API_END();
}

SN_API sn_status sn_ndarray_list_create(sn_ndarray_list_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_ndarray_list_create", "out");
  *out = new sn_ndarray_list;
  SN_API_END();
}

SN_API sn_status sn_ndarray_list_free(sn_ndarray_list_t list) {
  SN_API_BEGIN();
  delete list;
  SN_API_END();
}

SN_API sn_status sn_ndarray_list_append(sn_ndarray_list_t list, sn_ndarray_t array, const char* name) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_list_append";
  SN_CHECK(list != nullptr, kFn, ": argument 'list' must not be NULL");
  const sn::NDArray& a = unwrap(array, kFn);
  list->arrays.push_back(a);
  list->names.emplace_back(name != nullptr ? name : "");
  SN_API_END();
}

SN_API sn_status sn_ndarray_list_size(sn_ndarray_list_t list, int64_t* size) {
  SN_API_BEGIN();
  SN_CHECK(list != nullptr, "sn_ndarray_list_size: argument 'list' must not be NULL");
  check_not_null(size, "sn_ndarray_list_size", "size");
  *size = static_cast<int64_t>(list->arrays.size());
  SN_API_END();
}

SN_API sn_status sn_ndarray_list_get(sn_ndarray_list_t list, int64_t index, sn_ndarray_t* array, const char** name) {
  SN_API_BEGIN();
  constexpr const char* kFn = "sn_ndarray_list_get";
  SN_CHECK(list != nullptr, kFn, ": argument 'list' must not be NULL");
  check_not_null(array, kFn, "array");
  check_not_null(name, kFn, "name");
  SN_CHECK_INDEX(index >= 0 && index < static_cast<int64_t>(list->arrays.size()), kFn, ": index ", index,
                 " is out of range for a list of ", list->arrays.size(), " arrays");
  t_list_name = list->names[static_cast<size_t>(index)];
  *array = wrap(list->arrays[static_cast<size_t>(index)]);
  *name = t_list_name.c_str();
  SN_API_END();
}

SN_API sn_status sn_ndarray_save(const char* path, sn_ndarray_list_t list) {
  SN_API_BEGIN();
  check_not_null(path, "sn_ndarray_save", "path");
  SN_CHECK(list != nullptr, "sn_ndarray_save: argument 'list' must not be NULL");
  size_t named = 0;
  for (const auto& n : list->names) named += !n.empty();
  SN_CHECK(named == 0 || named == list->names.size(), "save: either every array has a name or none has; ", named,
           " of ", list->names.size(), " have one");
  std::vector<std::string> names = named == 0 ? std::vector<std::string>() : list->names;
  sn::save_ndarray_list(path, list->arrays, names);
  SN_API_END();
}

namespace {
sn_ndarray_list_t to_list(sn::NDArrayList loaded) {
  auto* list = new sn_ndarray_list;
  list->names = loaded.names.empty() ? std::vector<std::string>(loaded.arrays.size()) : std::move(loaded.names);
  list->arrays = std::move(loaded.arrays);
  return list;
}
}  // namespace

SN_API sn_status sn_ndarray_load(const char* path, sn_ndarray_list_t* out) {
  SN_API_BEGIN();
  check_not_null(path, "sn_ndarray_load", "path");
  check_not_null(out, "sn_ndarray_load", "out");
  *out = to_list(sn::load_ndarray_list(path));
  SN_API_END();
}

SN_API sn_status sn_ndarray_load_from_memory(const uint8_t* data, int64_t size, sn_ndarray_list_t* out) {
  SN_API_BEGIN();
  check_not_null(out, "sn_ndarray_load_from_memory", "out");
  SN_CHECK(size >= 0, "sn_ndarray_load_from_memory: argument 'size' expects a byte count >= 0, got ", size);
  *out = to_list(sn::load_ndarray_list_from_bytes(data, static_cast<size_t>(size)));
  SN_API_END();
}

}  // extern "C"
