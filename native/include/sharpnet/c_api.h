/*
 * sharpnet/c_api.h - the one flat C ABI of Sharpnet.
 *
 * Conventions (every declaration below follows them):
 * - Names are sn_<object>_<verb>. Handles are opaque typed pointers.
 * - Every function returns an sn_status; results go to out-parameters, which
 *   must not be NULL unless marked SN_NULLABLE. On failure the out-parameters
 *   are left untouched and sn_last_error() describes the failure.
 * - Every function catches every C++ exception: nothing unwinds through this
 *   boundary and nothing aborts the process.
 * - Ownership is written on every function in the same words: "caller frees
 *   with sn_x_free", "borrowed: valid until the next call on this thread",
 *   "static: valid for the life of the process".
 * - Strings are UTF-8 and NUL-terminated. Booleans are uint8_t (0 or 1).
 * - Append-only: functions and enum values are only ever added at the end,
 *   and every addition raises SN_ABI_VERSION_MINOR.
 *
 * Thread safety: every function may be called from any thread; any handle may
 * be freed from any thread (a .NET finalizer included).
 */
#ifndef SHARPNET_C_API_H_
#define SHARPNET_C_API_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(SHARPNET_BUILDING_LIBRARY)
#    define SN_API __declspec(dllexport)
#  else
#    define SN_API __declspec(dllimport)
#  endif
#else
#  define SN_API __attribute__((visibility("default")))
#endif

/*
 * Machine-readable annotations. The binding generator parses this header with
 * libclang, which sees them as annotate attributes; other compilers see nothing.
 */
#if defined(__clang__)
#  define SN_ANNOTATE(text) __attribute__((annotate(text)))
#else
#  define SN_ANNOTATE(text)
#endif

/** The parameter receives a result (the pointer itself must not be NULL). */
#define SN_OUT SN_ANNOTATE("sn:out")
/** The pointer may be NULL. */
#define SN_NULLABLE SN_ANNOTATE("sn:nullable")
/** What the out-parameter receives is borrowed: valid until the next call on this thread. */
#define SN_BORROWED SN_ANNOTATE("sn:borrowed")
/** What the out-parameter receives has static storage: valid for the life of the process. */
#define SN_STATIC SN_ANNOTATE("sn:static")
/** What the out-parameter receives belongs to the caller, who frees it with the named function. */
#define SN_CALLER_FREES(free_fn) SN_ANNOTATE("sn:caller_frees:" #free_fn)
/** This integer parameter is the element count of the named pointer parameter. */
#define SN_LENGTH_OF(param) SN_ANNOTATE("sn:length_of:" #param)

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and errors                                                       */
/* ------------------------------------------------------------------------ */

/** The ABI version of this header: a binding requires the same major and at least its minor. */
enum {
  SN_ABI_VERSION_MAJOR = 1,
  SN_ABI_VERSION_MINOR = 6
};

/** Status of every call. Values are stable and only ever appended. */
typedef enum sn_status {
  /** The call succeeded. */
  SN_OK = 0,
  /** A bad argument or parameter value (NULL where a pointer is required, out of range, malformed). */
  SN_ERR_INVALID_ARGUMENT = 1,
  /** An unsupported or mismatched element type. */
  SN_ERR_TYPE = 2,
  /** Mismatched or invalid shapes. */
  SN_ERR_SHAPE = 3,
  /** An index out of range. */
  SN_ERR_INDEX = 4,
  /** Something named does not exist (an operator, a parameter, a key, a file). */
  SN_ERR_NOT_FOUND = 5,
  /** An allocation failed or a memory limit was reached. */
  SN_ERR_OUT_OF_MEMORY = 6,
  /** Reading or writing a file failed. */
  SN_ERR_IO = 7,
  /** A file or text is corrupt or in an unsupported format. */
  SN_ERR_FORMAT = 8,
  /** The feature is not in this build (CUDA, MPI) or not supported for these arguments. */
  SN_ERR_UNSUPPORTED = 9,
  /** The call is not allowed in the object's current state. */
  SN_ERR_INVALID_STATE = 10,
  /** A user callback (a custom operator, a log sink) raised an error. */
  SN_ERR_CALLBACK = 11,
  /** A bug in Sharpnet: please report it with the message. */
  SN_ERR_INTERNAL = 12
} sn_status;

/**
 * The message of the most recent failed call on this thread, or "" if none failed.
 * Borrowed: valid until the next failed call on this thread. Never NULL.
 */
SN_API const char* sn_last_error(void);

/** The ABI version this library implements (compare with SN_ABI_VERSION_*). */
SN_API sn_status sn_abi_version(SN_OUT int32_t* major, SN_OUT int32_t* minor);

/** The library version, e.g. "0.1.0". Static: valid for the life of the process. */
SN_API sn_status sn_library_version(SN_OUT SN_STATIC const char** version);

/* ------------------------------------------------------------------------ */
/* Element types and devices                                                 */
/* ------------------------------------------------------------------------ */

/** Element types, numbered as MXNet's dtype flags (also used in its files). */
typedef enum sn_dtype {
  /** 32-bit IEEE float, the default. */
  SN_DTYPE_FLOAT32 = 0,
  /** 64-bit IEEE float. */
  SN_DTYPE_FLOAT64 = 1,
  /** 16-bit IEEE float, stored as such and computed in float32 on CPU. */
  SN_DTYPE_FLOAT16 = 2,
  /** Unsigned 8-bit integer. */
  SN_DTYPE_UINT8 = 3,
  /** Signed 32-bit integer. */
  SN_DTYPE_INT32 = 4,
  /** Signed 8-bit integer. */
  SN_DTYPE_INT8 = 5,
  /** Signed 64-bit integer. */
  SN_DTYPE_INT64 = 6,
  /** Boolean, one byte holding 0 or 1. */
  SN_DTYPE_BOOL = 7,
  /** bfloat16: the upper half of a float32. */
  SN_DTYPE_BFLOAT16 = 12
} sn_dtype;

/** Device types, numbered as MXNet's device type codes. */
typedef enum sn_device_type {
  /** A CPU device: cpu(0), cpu(1), ... are distinct devices with their own queues. */
  SN_DEVICE_CPU = 1,
  /** An NVIDIA GPU (CUDA builds only). */
  SN_DEVICE_GPU = 2,
  /** Page-locked host memory for fast GPU copies. */
  SN_DEVICE_CPU_PINNED = 3
} sn_device_type;

/** Number of GPUs this process can use (0 in a build without CUDA). */
SN_API sn_status sn_context_num_gpus(SN_OUT int32_t* count);

/* ------------------------------------------------------------------------ */
/* Runtime: build features and threads                                       */
/* ------------------------------------------------------------------------ */

/**
 * Whether a feature is available: "CUDA", "CUDNN", "NCCL", "MPI", "DNNL", "OPENMP"
 * (build-time) or "AVX2", "AVX512", "AVX512_BF16", "F16C" (this CPU, at run time).
 * An unknown name fails with SN_ERR_NOT_FOUND.
 */
SN_API sn_status sn_runtime_has_feature(const char* name, SN_OUT uint8_t* available);

/**
 * One line per fact about this build and machine: version, compiler, flags,
 * oneDNN version, the CPU code path chosen at run time, cores.
 * Static: valid for the life of the process.
 */
SN_API sn_status sn_runtime_build_info(SN_OUT SN_STATIC const char** info);

/** Number of cores this process may use (CPU affinity and cgroup quota applied). */
SN_API sn_status sn_runtime_num_cores(SN_OUT int32_t* count);

/**
 * Sets the number of threads one operator may use (OpenMP, oneDNN); 0 restores
 * the default. Applies to operators started after the call.
 */
SN_API sn_status sn_runtime_set_intra_op_threads(int32_t num_threads);

/** The number of threads one operator may use. */
SN_API sn_status sn_runtime_get_intra_op_threads(SN_OUT int32_t* num_threads);

/* ------------------------------------------------------------------------ */
/* Logging                                                                   */
/* ------------------------------------------------------------------------ */

/** Log levels, numbered as Microsoft.Extensions.Logging.LogLevel. */
typedef enum sn_log_level {
  SN_LOG_TRACE = 0,
  SN_LOG_DEBUG = 1,
  SN_LOG_INFO = 2,
  SN_LOG_WARNING = 3,
  SN_LOG_ERROR = 4,
  SN_LOG_CRITICAL = 5,
  SN_LOG_NONE = 6
} sn_log_level;

/**
 * Receives one log message. Called from any Sharpnet thread, never concurrently
 * with itself; it must not call back into Sharpnet. The message is borrowed:
 * valid during the call.
 */
typedef void (*sn_log_callback)(void* user_data, sn_log_level level, const char* message);

/**
 * Routes log messages to a callback instead of stderr; NULL restores stderr.
 * When this returns, the previous callback is no longer running nor called.
 */
SN_API sn_status sn_log_set_callback(SN_NULLABLE sn_log_callback callback, SN_NULLABLE void* user_data);

/** Sets the minimum level logged (default SN_LOG_WARNING, or $SHARPNET_LOG_LEVEL). */
SN_API sn_status sn_log_set_level(sn_log_level level);

/** The minimum level logged. */
SN_API sn_status sn_log_get_level(SN_OUT sn_log_level* level);

/* ------------------------------------------------------------------------ */
/* Engine (ABI 1.1)                                                          */
/* ------------------------------------------------------------------------ */

/** Engine implementations. */
typedef enum sn_engine_kind {
  /** Ops run asynchronously on per-device worker threads (the default). */
  SN_ENGINE_THREADED = 0,
  /** Every op runs synchronously inside the call that pushes it (debugging). */
  SN_ENGINE_NAIVE = 1
} sn_engine_kind;

/**
 * Chooses the engine (default threaded, or $SHARPNET_ENGINE). Only before the
 * engine starts (the first operation starts it); later it fails with SN_ERR_INVALID_STATE.
 */
SN_API sn_status sn_engine_set_kind(sn_engine_kind kind);

/** The engine kind in use, or that will be used when it starts. */
SN_API sn_status sn_engine_get_kind(SN_OUT sn_engine_kind* kind);

/**
 * Sets the worker threads of each CPU device: compute (kernels; default 1, so one
 * operator at a time uses all intra-op threads) and copy/IO (default 1). Only
 * before the engine starts.
 */
SN_API sn_status sn_engine_set_cpu_workers(int32_t compute, int32_t copy);

/** The worker threads of each CPU device. */
SN_API sn_status sn_engine_get_cpu_workers(SN_OUT int32_t* compute, SN_OUT int32_t* copy);

/**
 * Bounds the operations pushed but not yet finished (default 65536): a push
 * beyond it waits. Frees never wait. Takes effect at once.
 */
SN_API sn_status sn_engine_set_max_pending_ops(int64_t max_pending);

/** Operations pushed and not yet finished. */
SN_API sn_status sn_engine_pending_ops(SN_OUT int64_t* count);

/**
 * Waits for every operation pushed so far. Fails with the first error an operation
 * raised since the previous sn_engine_wait_all (reported once).
 */
SN_API sn_status sn_engine_wait_all(void);

/**
 * Waits for pending operations, then stops the engine's threads. Afterwards
 * operations fail with SN_ERR_INVALID_STATE; frees still work. Idempotent.
 */
SN_API sn_status sn_runtime_shutdown(void);

/** An engine variable: a unit of dependency for work the binding pushes. */
typedef struct sn_engine_var* sn_engine_var_t;

/** Creates an engine variable. The caller frees it with sn_engine_var_free. */
SN_API sn_status sn_engine_var_create(SN_OUT SN_CALLER_FREES(sn_engine_var_free) sn_engine_var_t* var);

/**
 * Frees a variable once the operations pushed on it so far finish. Never blocks;
 * accepts NULL; callable from any thread.
 */
SN_API sn_status sn_engine_var_free(sn_engine_var_t var);

/**
 * Waits until the writes pushed so far on the variable finish. Fails with the error
 * that poisoned it, every time, until a successful write clears it.
 */
SN_API sn_status sn_engine_wait_for_var(sn_engine_var_t var);

/**
 * Receives an outcome: SN_OK, or the error (status and message) of a poisoned input.
 * Called on an engine thread; it must not block or call back into Sharpnet. The
 * message is borrowed: valid during the call.
 */
typedef void (*sn_engine_callback)(void* user_data, sn_status status, const char* message);

/**
 * Calls the callback once the writes pushed so far on the variable finish, with the
 * variable's poison or SN_OK (an asynchronous wait). It may run before this returns.
 */
SN_API sn_status sn_engine_notify_when_readable(sn_engine_var_t var, sn_engine_callback callback,
                                                SN_NULLABLE void* user_data);

/**
 * Runs the binding's work for an operation pushed with sn_engine_push_async.
 * With status SN_OK the work must run and finish by calling sn_engine_complete
 * with `completion`, from any thread, exactly once. With another status an input
 * is poisoned: the work must not run, sn_engine_complete must not be called (the
 * engine passes the poison on), and only user_data is to be released.
 */
typedef void (*sn_engine_async_fn)(void* user_data, void* completion, sn_status status, const char* message);

/**
 * Pushes an operation that reads and writes the given variables; `fn` is called on an
 * engine thread once they allow, and the operation completes when the binding calls
 * sn_engine_complete. Returns at once. `name` names the operation in errors (copied).
 */
SN_API sn_status sn_engine_push_async(sn_engine_async_fn fn, SN_NULLABLE void* user_data,
                                      const sn_engine_var_t* reads, SN_LENGTH_OF(reads) int32_t num_reads,
                                      const sn_engine_var_t* writes, SN_LENGTH_OF(writes) int32_t num_writes,
                                      sn_device_type device_type, int32_t device_id, int32_t priority,
                                      const char* name);

/**
 * Completes an operation pushed with sn_engine_push_async. A status other than SN_OK
 * poisons the variables it writes with `message`. Consumes `completion`.
 */
SN_API sn_status sn_engine_complete(void* completion, sn_status status, SN_NULLABLE const char* message);

/* ------------------------------------------------------------------------ */
/* Storage (ABI 1.1)                                                         */
/* ------------------------------------------------------------------------ */

/**
 * Memory statistics of a device's pool, in bytes: in use by arrays, cached for reuse,
 * the peak in use, and the limit (0: none). All CPU devices share one pool.
 */
SN_API sn_status sn_storage_get_stats(sn_device_type device_type, int32_t device_id, SN_OUT int64_t* in_use,
                                      SN_OUT int64_t* cached, SN_OUT int64_t* peak, SN_OUT int64_t* limit);

/** Returns the memory cached in a device's pool to the system. */
SN_API sn_status sn_storage_release_all(sn_device_type device_type, int32_t device_id);

/** Restarts the peak statistic from the memory in use now. */
SN_API sn_status sn_storage_reset_peak(sn_device_type device_type, int32_t device_id);

/**
 * Limits what a device's pool holds (in use plus cached), in bytes; 0 removes the limit.
 * An allocation past it releases the cache and retries once, then fails with
 * SN_ERR_OUT_OF_MEMORY instead of meeting the system's OOM killer.
 */
SN_API sn_status sn_storage_set_memory_limit(sn_device_type device_type, int32_t device_id, int64_t bytes);

/* ------------------------------------------------------------------------ */
/* NDArray (ABI 1.2)                                                         */
/* ------------------------------------------------------------------------ */

/**
 * An n-dimensional array: a view on shared storage. Operations on arrays are
 * asynchronous (pushed to the engine) unless documented as waiting.
 */
typedef struct sn_ndarray* sn_ndarray_t;

/**
 * Creates an array of a shape, dtype and device. Its storage is allocated when first used and
 * its values are undefined until written. The caller frees it with sn_ndarray_free.
 */
SN_API sn_status sn_ndarray_create(const int64_t* shape, SN_LENGTH_OF(shape) int32_t ndim, sn_dtype dtype,
                                   sn_device_type device_type, int32_t device_id,
                                   SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** Frees an array handle (its storage goes when no view uses it). Never blocks; accepts NULL; any thread. */
SN_API sn_status sn_ndarray_free(sn_ndarray_t array);

/**
 * The array's shape (into `shape`, which needs room for ndim dims; 32 always suffices), dtype and
 * device. Never waits.
 */
SN_API sn_status sn_ndarray_get_info(sn_ndarray_t array, int64_t* shape, SN_LENGTH_OF(shape) int32_t capacity,
                                     SN_OUT int32_t* ndim, SN_OUT sn_dtype* dtype, SN_OUT sn_device_type* device_type,
                                     SN_OUT int32_t* device_id);

/** Sets every element to `value`, converted to the array's dtype (float to integer saturates, NaN gives 0). */
SN_API sn_status sn_ndarray_fill(sn_ndarray_t array, double value);

/** Sets element i to start + (i / repeat) * step, converted to the array's dtype. */
SN_API sn_status sn_ndarray_arange(sn_ndarray_t array, double start, double step, int64_t repeat);

/**
 * Copies `count` elements from host memory, holding elements of `data_dtype`, into the array from
 * flat element `offset`, converting. Waits until done (the host memory is only read during the call).
 */
SN_API sn_status sn_ndarray_copy_from(sn_ndarray_t array, const void* data, sn_dtype data_dtype, int64_t offset,
                                      int64_t count);

/**
 * Copies `count` elements from flat element `offset` of the array into host memory as `data_dtype`.
 * Waits for pending writes; fails with the array's error if it is poisoned.
 */
SN_API sn_status sn_ndarray_copy_to(sn_ndarray_t array, void* data, sn_dtype data_dtype, int64_t offset,
                                    int64_t count);

/**
 * As sn_ndarray_copy_to but returns at once; `callback` reports the outcome once the copy is done.
 * `data` must stay valid until then.
 */
SN_API sn_status sn_ndarray_copy_to_async(sn_ndarray_t array, void* data, sn_dtype data_dtype, int64_t offset,
                                          int64_t count, sn_engine_callback callback, SN_NULLABLE void* user_data);

/** Copies `src` into `dst` (same shape; dtypes converted; any devices). */
SN_API sn_status sn_ndarray_copy(sn_ndarray_t src, sn_ndarray_t dst);

/** A new array on another device holding a copy. The caller frees it with sn_ndarray_free. */
SN_API sn_status sn_ndarray_copy_to_device(sn_ndarray_t src, sn_device_type device_type, int32_t device_id,
                                           SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** A new array holding the values converted to `dtype`. The caller frees it with sn_ndarray_free. */
SN_API sn_status sn_ndarray_as_type(sn_ndarray_t src, sn_dtype dtype,
                                    SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/**
 * A view with another shape, in MXNet's reshape spelling (0 copy, -1 infer, -2 rest, -3 merge,
 * -4 split; `reverse` matches from the right). The caller frees it with sn_ndarray_free.
 */
SN_API sn_status sn_ndarray_reshape(sn_ndarray_t array, const int64_t* shape, SN_LENGTH_OF(shape) int32_t ndim,
                                    uint8_t reverse, SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** A view of elements [begin, end) along the first axis. The caller frees it with sn_ndarray_free. */
SN_API sn_status sn_ndarray_slice(sn_ndarray_t array, int64_t begin, int64_t end,
                                  SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** A view of element `index` of the first axis (negative counts from the end). The caller frees it. */
SN_API sn_status sn_ndarray_at(sn_ndarray_t array, int64_t index,
                               SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** Kinds of basic index items. */
typedef enum sn_index_kind {
  /** One position (start); negative counts from the end. The axis is dropped. */
  SN_INDEX_INT = 0,
  /** start:stop:step, each bound optional (has_start, has_stop), Python's rules. */
  SN_INDEX_SLICE = 1,
  /** A new axis of size 1 (Python's None). */
  SN_INDEX_NEW_AXIS = 2
} sn_index_kind;

/** One item of a basic index. */
typedef struct sn_index_item {
  sn_index_kind kind;
  uint8_t has_start;
  uint8_t has_stop;
  int64_t start;
  int64_t stop;
  int64_t step;
} sn_index_item;

/**
 * array[key]: a view when the result is contiguous in memory (is_view = 1), else a new array
 * holding a copy, as MXNet 1.9. Integer items drop their axis; a result without axes has shape
 * (1,). The caller frees it with sn_ndarray_free.
 */
SN_API sn_status sn_ndarray_get_item(sn_ndarray_t array, const sn_index_item* key, SN_LENGTH_OF(key) int32_t key_length,
                                     SN_OUT uint8_t* is_view, SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** array[key] = value, converted to the array's dtype. */
SN_API sn_status sn_ndarray_set_item_scalar(sn_ndarray_t array, const sn_index_item* key,
                                            SN_LENGTH_OF(key) int32_t key_length, double value);

/** array[key] = value, broadcast (NumPy rules) and converted. */
SN_API sn_status sn_ndarray_set_item(sn_ndarray_t array, const sn_index_item* key, SN_LENGTH_OF(key) int32_t key_length,
                                     sn_ndarray_t value);

/** Waits until pending writes to the array finish; fails with its error if it is poisoned. */
SN_API sn_status sn_ndarray_wait_to_read(sn_ndarray_t array);

/** Waits until every pending operation on the array finishes; fails with its error if it is poisoned. */
SN_API sn_status sn_ndarray_wait_to_write(sn_ndarray_t array);

/** Calls `callback` once the array is readable, with its error if poisoned (an asynchronous wait). */
SN_API sn_status sn_ndarray_notify_when_readable(sn_ndarray_t array, sn_engine_callback callback,
                                                 SN_NULLABLE void* user_data);

/** Array handles and storage chunks alive in this process (for leak tests). */
SN_API sn_status sn_ndarray_live_count(SN_OUT int64_t* handles, SN_OUT int64_t* chunks);

/** A list of arrays, each optionally named: what MXNet's NDArray files hold. */
typedef struct sn_ndarray_list* sn_ndarray_list_t;

/** Creates an empty list. The caller frees it with sn_ndarray_list_free. */
SN_API sn_status sn_ndarray_list_create(SN_OUT SN_CALLER_FREES(sn_ndarray_list_free) sn_ndarray_list_t* out);

/** Frees a list (not the arrays handed out of it). Accepts NULL. */
SN_API sn_status sn_ndarray_list_free(sn_ndarray_list_t list);

/** Appends an array (the list keeps its own reference) with a name, or NULL for an unnamed list. */
SN_API sn_status sn_ndarray_list_append(sn_ndarray_list_t list, sn_ndarray_t array, SN_NULLABLE const char* name);

/** Number of arrays in the list. */
SN_API sn_status sn_ndarray_list_size(sn_ndarray_list_t list, SN_OUT int64_t* size);

/**
 * Array `index` (a new handle the caller frees with sn_ndarray_free) and its name ("" in an unnamed
 * list; borrowed: valid until the next call on this thread).
 */
SN_API sn_status sn_ndarray_list_get(sn_ndarray_list_t list, int64_t index,
                                     SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* array,
                                     SN_OUT SN_BORROWED const char** name);

/**
 * Saves the list in MXNet's NDArray list format (version-2 records), named if every array has a
 * name, unnamed if none has. Waits for the arrays. Writes to a temporary file renamed into place.
 */
SN_API sn_status sn_ndarray_save(const char* path, sn_ndarray_list_t list);

/**
 * Loads an MXNet NDArray list file (versions 1-3 and the pre-magic layout) onto cpu(0). A corrupt
 * file fails with SN_ERR_FORMAT. The caller frees the list with sn_ndarray_list_free.
 */
SN_API sn_status sn_ndarray_load(const char* path, SN_OUT SN_CALLER_FREES(sn_ndarray_list_free) sn_ndarray_list_t* out);

/** As sn_ndarray_load, from bytes in memory. */
SN_API sn_status sn_ndarray_load_from_memory(const uint8_t* data, SN_LENGTH_OF(data) int64_t size,
                                             SN_OUT SN_CALLER_FREES(sn_ndarray_list_free) sn_ndarray_list_t* out);


/* ------------------------------------------------------------------------ */
/* Operators (ABI 1.3)                                                       */
/* ------------------------------------------------------------------------ */

/*
 * Registered operators are numbered 0 .. count-1 for the life of the process.
 * Everything an operator declares is listed as structured fields, so bindings
 * generate wrappers without parsing type strings. Strings returned by these
 * functions are static: valid for the life of the process.
 */

/** Kinds of operator parameters (and of tuple elements). */
typedef enum sn_param_kind {
  /** True or False. */
  SN_PARAM_BOOL = 0,
  /** A 64-bit integer (the parameter's range says if it is narrower). */
  SN_PARAM_INT = 1,
  /** A floating-point number. */
  SN_PARAM_FLOAT = 2,
  /** Free text. */
  SN_PARAM_STRING = 3,
  /** A tuple; its element kind is SN_PARAM_INT (shapes, axes) or SN_PARAM_FLOAT. */
  SN_PARAM_TUPLE = 4,
  /** One of a list of names (sn_op_get_param_enum_name). */
  SN_PARAM_ENUM = 5,
  /** An element type (sn_dtype). */
  SN_PARAM_DTYPE = 6
} sn_param_kind;

/** The number of registered operators. */
SN_API sn_status sn_op_count(SN_OUT int32_t* count);

/**
 * The id of the operator with this canonical name or alias. An unknown name fails with
 * SN_ERR_NOT_FOUND and a message suggesting close names.
 */
SN_API sn_status sn_op_find(const char* name, SN_OUT int32_t* op);

/**
 * An operator's description. num_inputs counts its named inputs (0 when they are variadic: then
 * variadic_key names the parameter that counts them, else it is ""). num_outputs counts all
 * outputs, num_visible_outputs those a caller gets (the rest are hidden, for its gradient); both
 * are -1 when a parameter decides them. differentiable: it has a gradient (possibly zero).
 */
SN_API sn_status sn_op_get_info(int32_t op, SN_OUT SN_STATIC const char** name, SN_OUT SN_STATIC const char** doc,
                                SN_OUT int32_t* num_aliases, SN_OUT int32_t* num_inputs,
                                SN_OUT SN_STATIC const char** variadic_key, SN_OUT int32_t* num_outputs,
                                SN_OUT int32_t* num_visible_outputs, SN_OUT int32_t* num_params,
                                SN_OUT uint8_t* differentiable);

/**
 * Alias `index` of an operator, and the name hint used to auto-name graph nodes created
 * through it (the alias lowercased: _PlusScalar names nodes _plusscalar0).
 */
SN_API sn_status sn_op_get_alias(int32_t op, int32_t index, SN_OUT SN_STATIC const char** alias,
                                 SN_OUT SN_STATIC const char** name_hint);

/** Input `index`: its name, and whether the operator mutates it (an auxiliary state such as a moving mean). */
SN_API sn_status sn_op_get_input(int32_t op, int32_t index, SN_OUT SN_STATIC const char** name,
                                 SN_OUT uint8_t* is_auxiliary);

/**
 * Whether input `index` is conditional (ABI 1.4): it exists only when parameter `param` has
 * `value` in MXNet's spelling (softmax's `length` when use_length is "True", FullyConnected's
 * `bias` when no_bias is "False"); conditional inputs are trailing. Both are "" for inputs that
 * are always present.
 */
SN_API sn_status sn_op_get_input_condition(int32_t op, int32_t index, SN_OUT SN_STATIC const char** param,
                                           SN_OUT SN_STATIC const char** value);

/** Output `index`: its name, and whether it is hidden (read only by the gradient). */
SN_API sn_status sn_op_get_output(int32_t op, int32_t index, SN_OUT SN_STATIC const char** name,
                                  SN_OUT uint8_t* is_hidden);

/**
 * Parameter `index`: name; kind and element kind (for tuples; else the kind itself); optional
 * (None is a value); required (no default); the default in MXNet's spelling ("" if required); a
 * one-line doc; the number of enum names.
 */
SN_API sn_status sn_op_get_param(int32_t op, int32_t index, SN_OUT SN_STATIC const char** name,
                                 SN_OUT sn_param_kind* kind, SN_OUT sn_param_kind* element_kind,
                                 SN_OUT uint8_t* optional, SN_OUT uint8_t* required,
                                 SN_OUT SN_STATIC const char** default_literal, SN_OUT SN_STATIC const char** doc,
                                 SN_OUT int32_t* num_enum_names);

/** Inclusive bounds of a numeric parameter (each item for tuples); has_* is 0 where unbounded. */
SN_API sn_status sn_op_get_param_range(int32_t op, int32_t index, SN_OUT uint8_t* has_min, SN_OUT double* min,
                                       SN_OUT uint8_t* has_max, SN_OUT double* max);

/** Name `value` of an enum parameter, in MXNet's order. */
SN_API sn_status sn_op_get_param_enum_name(int32_t op, int32_t index, int32_t value,
                                           SN_OUT SN_STATIC const char** name);

/**
 * The element types an operator's kernels support (into `dtypes`; `count` receives how many there
 * are, which may exceed `capacity`; 16 always suffices).
 */
SN_API sn_status sn_op_get_dtypes(int32_t op, sn_dtype* dtypes, SN_LENGTH_OF(dtypes) int32_t capacity,
                                  SN_OUT int32_t* count);

/** How a typed parameter value is given. */
typedef enum sn_value_kind {
  /** None (optional parameters only). */
  SN_VALUE_NONE = 0,
  /** i is 0 or 1. */
  SN_VALUE_BOOL = 1,
  /** i; for an enum parameter, the index of its name. */
  SN_VALUE_INT = 2,
  /** f. */
  SN_VALUE_FLOAT = 3,
  /** UTF-8 text[offset, offset + length), parsed as MXNet spells the parameter. */
  SN_VALUE_TEXT = 4,
  /** ints[offset, offset + length). */
  SN_VALUE_INT_TUPLE = 5,
  /** floats[offset, offset + length). */
  SN_VALUE_FLOAT_TUPLE = 6,
  /** i is an sn_dtype. */
  SN_VALUE_DTYPE = 7
} sn_value_kind;

/**
 * One typed parameter value. `field` is the parameter's index (sn_op_get_param). Lossless
 * conversions are accepted (an int for a float, an int tuple for a float tuple, one int for a
 * one-item tuple); anything else fails naming the operator, the parameter, what it expects and
 * what it got.
 */
typedef struct sn_param {
  int32_t field;
  sn_value_kind kind;
  int64_t i;
  double f;
  int64_t offset;
  int64_t length;
} sn_param;

/** Ambient flags passed with every invocation (the binding keeps them per async flow). */
typedef enum sn_invoke_flag {
  /** Autograd is recording: ops on arrays that need gradients are taped. */
  SN_INVOKE_RECORDING = 1,
  /** Training mode (Dropout, BatchNorm). */
  SN_INVOKE_TRAINING = 2,
  /** A block is being traced into a graph (deferred compute). */
  SN_INVOKE_DEFERRED = 4
} sn_invoke_flag;

/** An operator with its parameters parsed and checked once, invoked any number of times. */
typedef struct sn_op_call* sn_op_call_t;

/**
 * Prepares a call from typed parameters (tuples in `ints`/`floats`, text in `text`; all only read
 * during the call). Unset parameters take their defaults; a missing required one fails.
 * The caller frees it with sn_op_call_free.
 */
SN_API sn_status sn_op_call_create(int32_t op, const sn_param* params, SN_LENGTH_OF(params) int32_t num_params,
                                   const int64_t* ints, SN_LENGTH_OF(ints) int32_t num_ints, const double* floats,
                                   SN_LENGTH_OF(floats) int32_t num_floats, const uint8_t* text,
                                   SN_LENGTH_OF(text) int32_t text_length,
                                   SN_OUT SN_CALLER_FREES(sn_op_call_free) sn_op_call_t* out);

/**
 * Prepares a call from MXNet's string parameters: `text` holds UTF-8 key, NUL, value, NUL, ...
 * (only read during the call). The caller frees it with sn_op_call_free.
 */
SN_API sn_status sn_op_call_create_from_strings(int32_t op, const uint8_t* text, SN_LENGTH_OF(text) int32_t text_length,
                                                SN_OUT SN_CALLER_FREES(sn_op_call_free) sn_op_call_t* out);

/** Frees a prepared call. Accepts NULL; any thread. */
SN_API sn_status sn_op_call_free(sn_op_call_t call);

/**
 * Invokes a prepared call on `inputs` (returns at once; the kernel runs on the engine).
 * `outs` (NULL, or num_outs entries, each NULL or an array) receive the visible outputs instead of
 * new arrays: each must match the result's shape and dtype exactly and may alias an input only
 * through an in-place pair the operator declares. `flags` is a mask of sn_invoke_flag. An
 * operator without inputs places its outputs on the given device. `results` (room for
 * `capacity`) receives the visible outputs: a new handle the caller frees with sn_ndarray_free,
 * or NULL where an out array was given; `num_results` receives how many.
 */
SN_API sn_status sn_op_call_invoke(sn_op_call_t call, const sn_ndarray_t* inputs, SN_LENGTH_OF(inputs) int32_t num_inputs,
                                   const sn_ndarray_t* outs, SN_LENGTH_OF(outs) int32_t num_outs, uint32_t flags,
                                   sn_device_type device_type, int32_t device_id, sn_ndarray_t* results,
                                   SN_LENGTH_OF(results) int32_t capacity, SN_OUT int32_t* num_results);

/** sn_op_call_create then sn_op_call_invoke in one call, without a handle (typed parameters). */
SN_API sn_status sn_op_invoke(int32_t op, const sn_param* params, SN_LENGTH_OF(params) int32_t num_params,
                              const int64_t* ints, SN_LENGTH_OF(ints) int32_t num_ints, const double* floats,
                              SN_LENGTH_OF(floats) int32_t num_floats, const uint8_t* text,
                              SN_LENGTH_OF(text) int32_t text_length, const sn_ndarray_t* inputs,
                              SN_LENGTH_OF(inputs) int32_t num_inputs, const sn_ndarray_t* outs,
                              SN_LENGTH_OF(outs) int32_t num_outs, uint32_t flags, sn_device_type device_type,
                              int32_t device_id, sn_ndarray_t* results, SN_LENGTH_OF(results) int32_t capacity,
                              SN_OUT int32_t* num_results);

/** Seeds every sampler that follows (NDArray and graph alike): the same seed, the same samples. */
SN_API sn_status sn_random_seed(uint64_t seed);

/* ------------------------------------------------------------------------ */
/* Autograd (ABI 1.3)                                                        */
/* ------------------------------------------------------------------------ */

/** How backward stores a variable's gradient (MXNet's OpReqType codes). */
typedef enum sn_grad_req {
  /** No gradient. */
  SN_GRAD_NULL = 0,
  /** Overwrite the gradient buffer. */
  SN_GRAD_WRITE = 1,
  /** Add into the gradient buffer. */
  SN_GRAD_ADD = 3
} sn_grad_req;

/**
 * Makes the array (this handle) a variable whose gradient backward stores into `grad` (NULL: a new
 * buffer of zeros), replacing any history the handle had.
 */
SN_API sn_status sn_autograd_attach_grad(sn_ndarray_t array, sn_grad_req req, SN_NULLABLE sn_ndarray_t grad);

/** The gradient buffer of a variable, or has_grad = 0 (and no handle) if it has none. The caller frees it. */
SN_API sn_status sn_autograd_get_grad(sn_ndarray_t array, SN_OUT uint8_t* has_grad,
                                      SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* grad);

/** The array's gradient request (SN_GRAD_NULL if it is not a variable). */
SN_API sn_status sn_autograd_get_grad_req(sn_ndarray_t array, SN_OUT sn_grad_req* req);

/** Whether the handle has autograd history or an attached gradient. */
SN_API sn_status sn_autograd_has_history(sn_ndarray_t array, SN_OUT uint8_t* has_history);

/** A new handle to the same data without history: gradients stop there. The caller frees it. */
SN_API sn_status sn_autograd_detach(sn_ndarray_t array, SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/**
 * Backward from `heads` into the gradient buffers of every variable they depend on. `head_grads`
 * is NULL (ones for every head) or has one entry per head (NULL for ones). Without retain_graph
 * what the recorded ops saved is released, and a second backward through them fails.
 */
SN_API sn_status sn_autograd_backward(const sn_ndarray_t* heads, SN_LENGTH_OF(heads) int32_t num_heads,
                                      const sn_ndarray_t* head_grads, SN_LENGTH_OF(head_grads) int32_t num_head_grads,
                                      uint8_t retain_graph, uint8_t train_mode);

/**
 * The gradients of `heads` with respect to `variables`, returned instead of stored (MXNet's
 * autograd.grad). With create_graph the computation is itself recorded (higher order). `grads`
 * (room for num_variables) receives new handles the caller frees, NULL where a variable does not
 * influence the heads.
 */
SN_API sn_status sn_autograd_grad(const sn_ndarray_t* heads, SN_LENGTH_OF(heads) int32_t num_heads,
                                  const sn_ndarray_t* head_grads, SN_LENGTH_OF(head_grads) int32_t num_head_grads,
                                  const sn_ndarray_t* variables, SN_LENGTH_OF(variables) int32_t num_variables,
                                  uint8_t retain_graph, uint8_t create_graph, uint8_t train_mode, sn_ndarray_t* grads,
                                  SN_LENGTH_OF(grads) int32_t capacity);

/**
 * A custom function's forward (stage 0) or backward (stage 1), written in the binding. Called on
 * Sharpnet's custom-function workers, never on an engine worker, so it may wait on arrays.
 * Forward: `inputs` are the function's inputs, `outputs` the arrays to write. Backward: `inputs`
 * are the gradients of the outputs, `outputs` the input gradients to write. Every handle is new
 * and belongs to the callee, who frees it with sn_ndarray_free; the arrays stay valid after the
 * call. The callback writes the outputs (ops pushed on them are awaited after it returns) and
 * returns SN_OK, or an error status after sn_callback_set_error: the outputs are then poisoned
 * with that message, which surfaces where they are waited on.
 */
typedef sn_status (*sn_custom_function_fn)(void* user_data, int32_t stage, const sn_ndarray_t* inputs,
                                           int32_t num_inputs, const sn_ndarray_t* outputs, int32_t num_outputs,
                                           uint8_t is_train);

/** Releases a custom function's user data once neither the call nor a recorded graph needs it. */
typedef void (*sn_custom_function_release)(void* user_data);

/**
 * Applies a custom function to `inputs`; returns at once. The outputs have the given shapes
 * (`shapes` holds num_outputs shapes back to back, ndims[i] dims each) and dtypes. When recording
 * and an input needs a gradient, backward calls the function's stage 1. `results` (room for
 * num_outputs) receives new handles the caller frees with sn_ndarray_free. `release` is called
 * with user_data exactly once, also when this call fails.
 */
SN_API sn_status sn_custom_function_invoke(sn_custom_function_fn fn, sn_custom_function_release release,
                                           SN_NULLABLE void* user_data, const sn_ndarray_t* inputs,
                                           SN_LENGTH_OF(inputs) int32_t num_inputs, const int64_t* shapes,
                                           SN_LENGTH_OF(shapes) int32_t num_dims, const int32_t* ndims,
                                           SN_LENGTH_OF(ndims) int32_t num_outputs, const sn_dtype* dtypes,
                                           SN_LENGTH_OF(dtypes) int32_t num_dtypes, uint32_t flags,
                                           sn_ndarray_t* results, SN_LENGTH_OF(results) int32_t capacity);

/** Records the message a failing callback reports with its status (thread-local; copied). */
SN_API sn_status sn_callback_set_error(const char* message);

/* ------------------------------------------------------------------------ */
/* Symbol (ABI 1.5)                                                          */
/* ------------------------------------------------------------------------ */

/**
 * A symbol: outputs of a graph of operator applications and variables (MXNet's Symbol). Nodes are
 * shared between the symbols composed from them; handles may be freed from any thread, and one
 * symbol is used by one thread at a time (attributes are mutable, as in MXNet).
 */
typedef struct sn_symbol* sn_symbol_t;

/** Which names sn_symbol_list returns. */
typedef enum sn_symbol_list_kind {
  /** Inputs that are not auxiliary states, in graph order (MXNet's list_arguments). */
  SN_SYMBOL_ARGUMENTS = 0,
  /** The outputs: a variable's name, else "<node>_output" or "<node>_<output name>". */
  SN_SYMBOL_OUTPUTS = 1,
  /** Inputs some operator mutates (BatchNorm's moving statistics). */
  SN_SYMBOL_AUXILIARY_STATES = 2,
  /** Every input, arguments and auxiliary states, in graph order. */
  SN_SYMBOL_INPUTS = 3
} sn_symbol_list_kind;

/** Symbol handles alive in this process (for leak tests). */
SN_API sn_status sn_symbol_live_count(SN_OUT int64_t* handles);

/** A variable named `name` (not empty). The caller frees it with sn_symbol_free. */
SN_API sn_status sn_symbol_create_variable(const char* name, SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * Applies operator `op` with typed parameters (as sn_op_call_create) to `inputs`, one per input of
 * the operator (variadic operators: as many as the count parameter says). A NULL entry becomes a new
 * variable "<name>_<input name>" (conv1_weight); every given input must have exactly one output.
 * `name` names the node (not empty: auto-naming is the binding's, as MXNet's NameManager is
 * Python's). The node records the given parameters in Python's spelling, which its JSON writes.
 * The caller frees the result with sn_symbol_free.
 */
SN_API sn_status sn_symbol_create_op(int32_t op, const sn_param* params, SN_LENGTH_OF(params) int32_t num_params,
                                     const int64_t* ints, SN_LENGTH_OF(ints) int32_t num_ints, const double* floats,
                                     SN_LENGTH_OF(floats) int32_t num_floats, const uint8_t* text,
                                     SN_LENGTH_OF(text) int32_t text_length, const sn_symbol_t* inputs,
                                     SN_LENGTH_OF(inputs) int32_t num_inputs, const char* name,
                                     SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * As sn_symbol_create_op, with MXNet's string parameters: `text` holds UTF-8 key, NUL, value, NUL, ...
 * Keys spelled `__x__` become attributes of the node instead of parameters.
 */
SN_API sn_status sn_symbol_create_op_from_strings(int32_t op, const uint8_t* text, SN_LENGTH_OF(text) int32_t text_length,
                                                  const sn_symbol_t* inputs, SN_LENGTH_OF(inputs) int32_t num_inputs,
                                                  const char* name,
                                                  SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/** Frees a symbol handle (the graph lives while any symbol uses it). Accepts NULL; any thread. */
SN_API sn_status sn_symbol_free(sn_symbol_t symbol);

/** A deep copy: new nodes with the same names, operators and attributes. The caller frees it. */
SN_API sn_status sn_symbol_copy(sn_symbol_t symbol, SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/** The outputs of several symbols, in order (MXNet's Group). The caller frees it. */
SN_API sn_status sn_symbol_group(const sn_symbol_t* symbols, SN_LENGTH_OF(symbols) int32_t num_symbols,
                                 SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/** The number of outputs. */
SN_API sn_status sn_symbol_num_outputs(sn_symbol_t symbol, SN_OUT int32_t* count);

/** Output `index` alone. The caller frees it. */
SN_API sn_status sn_symbol_get_output(sn_symbol_t symbol, int32_t index,
                                      SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * The output named `name` as SN_SYMBOL_OUTPUTS spells it ("pool1_output" on internals); an unknown
 * name fails with SN_ERR_NOT_FOUND listing the names. The caller frees it.
 */
SN_API sn_status sn_symbol_get_output_by_name(sn_symbol_t symbol, const char* name,
                                              SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/** Every node's visible outputs, variables included, inputs before their users. The caller frees it. */
SN_API sn_status sn_symbol_get_internals(sn_symbol_t symbol, SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * The inputs of the output nodes, grouped; has_children = 0 (and no handle) when the outputs are
 * variables. The caller frees it.
 */
SN_API sn_status sn_symbol_get_children(sn_symbol_t symbol, SN_OUT uint8_t* has_children,
                                        SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * Names of the symbol's arguments, outputs, auxiliary states or inputs: `text` receives them as
 * UTF-8, each followed by a NUL, `length` the bytes and `count` the names (borrowed: valid until
 * the next call on this thread).
 */
SN_API sn_status sn_symbol_list(sn_symbol_t symbol, sn_symbol_list_kind kind, SN_OUT SN_BORROWED const uint8_t** text,
                                SN_OUT int64_t* length, SN_OUT int32_t* count);

/** The name of the single output node ("" for a group of several nodes; borrowed). */
SN_API sn_status sn_symbol_get_name(sn_symbol_t symbol, SN_OUT SN_BORROWED const char** name);

/** Attribute `key` of the single output node, or found = 0 (value "", borrowed). */
SN_API sn_status sn_symbol_get_attr(sn_symbol_t symbol, const char* key, SN_OUT uint8_t* found,
                                    SN_OUT SN_BORROWED const char** value);

/**
 * The output node's attributes, or with `recursive` every node's as "<node>$<key>": key, NUL, value,
 * NUL, ... in `text` (borrowed), `count` pairs.
 */
SN_API sn_status sn_symbol_list_attr(sn_symbol_t symbol, uint8_t recursive, SN_OUT SN_BORROWED const uint8_t** text,
                                     SN_OUT int64_t* length, SN_OUT int32_t* count);

/**
 * Sets attribute `key` on the single output node (a group of several nodes fails). A key naming a
 * parameter of the node's operator sets that parameter (parsed; a bad value fails naming it).
 */
SN_API sn_status sn_symbol_set_attr(sn_symbol_t symbol, const char* key, const char* value);

/**
 * Infers shapes from the shapes of some inputs: `names` holds num_shapes UTF-8 names each followed
 * by a NUL, `dims` the shapes back to back (ndims[i] dims each; MXNet's legacy spelling: a 0 dim is
 * unknown). Results are borrowed (valid until the next call on this thread): `result_dims` holds
 * the shapes of the arguments, then the outputs, then the auxiliary states (in list order), with
 * `result_ndims` (room for num_args + num_outputs + num_aux) giving each one's rank; unknown dims
 * are 0 and an unknown rank is 0 dims. complete = 1 when every shape in the graph is known. A
 * conflict fails with SN_ERR_SHAPE naming the node and the shapes.
 */
SN_API sn_status sn_symbol_infer_shape(sn_symbol_t symbol, const uint8_t* names, SN_LENGTH_OF(names) int32_t names_length,
                                       const int64_t* dims, SN_LENGTH_OF(dims) int32_t num_dims, const int32_t* ndims,
                                       SN_LENGTH_OF(ndims) int32_t num_shapes,
                                       SN_OUT SN_BORROWED const int64_t** result_dims,
                                       SN_OUT SN_BORROWED const int32_t** result_ndims, SN_OUT int32_t* num_args,
                                       SN_OUT int32_t* num_outputs, SN_OUT int32_t* num_aux, SN_OUT uint8_t* complete);

/**
 * Infers element types from some inputs' (`names` as in sn_symbol_infer_shape, one sn_dtype each).
 * `result` (borrowed) holds the arguments', outputs' and auxiliary states' dtypes, -1 where unknown.
 */
SN_API sn_status sn_symbol_infer_type(sn_symbol_t symbol, const uint8_t* names, SN_LENGTH_OF(names) int32_t names_length,
                                      const int32_t* dtypes, SN_LENGTH_OF(dtypes) int32_t num_dtypes,
                                      SN_OUT SN_BORROWED const int32_t** result, SN_OUT int32_t* num_args,
                                      SN_OUT int32_t* num_outputs, SN_OUT int32_t* num_aux, SN_OUT uint8_t* complete);

/** The symbol in MXNet's JSON format, as MXNet 1.9 writes it (borrowed: valid until the next call on this thread). */
SN_API sn_status sn_symbol_to_json(sn_symbol_t symbol, SN_OUT SN_BORROWED const char** json);

/**
 * Loads MXNet JSON (any MXNet 1.x version; legacy spellings upgraded). Malformed text fails with
 * SN_ERR_FORMAT naming what is wrong; an unknown operator with SN_ERR_NOT_FOUND. The caller frees it.
 */
SN_API sn_status sn_symbol_from_json(const char* json, SN_OUT SN_CALLER_FREES(sn_symbol_free) sn_symbol_t* out);

/**
 * A double as Python's repr spells it, the spelling of float parameters and attributes in MXNet's files
 * ("2.0", "1e-05", "1e+16", "nan"), so bindings write attributes exactly as the native side prints
 * parameters (ABI 1.5; borrowed: valid until the next call on this thread).
 */
SN_API sn_status sn_format_python_float(double value, SN_OUT SN_BORROWED const char** text);

/* ------------------------------------------------------------------------ */
/* Executors (ABI 1.6)                                                       */
/* ------------------------------------------------------------------------ */

/**
 * A symbol bound to arrays (MXNet's Executor): forward and backward run as engine pushes over memory
 * planned once at bind. One executor is used by one thread at a time; executors sharing parameter
 * arrays may run concurrently while they only read them. Handles may be freed from any thread.
 */
typedef struct sn_executor* sn_executor_t;

/** Bind options; sn_executor_default_options fills the defaults. */
typedef struct sn_executor_options {
  uint8_t cse;            /* merge identical subexpressions (default 1) */
  uint8_t mirror;         /* recompute cheap forward values in backward to save memory (default 0) */
  uint8_t inplace;        /* let outputs take their input's buffer where the op allows (default 1) */
  uint8_t share_memory;   /* reuse dead buffers (default 1); 0: every value its own buffer */
  int32_t match_range;    /* buffer reuse size range (default 16, MXNet's MXNET_EXEC_MATCH_RANGE) */
  int32_t bulk_max;       /* tiny ops pushed as one engine op (default 15; 1 disables bulking) */
} sn_executor_options;

/** Which arrays of an executor (sn_executor_num_arrays, sn_executor_get_array, sn_executor_list_names). */
typedef enum sn_executor_arrays {
  SN_EXECUTOR_ARGUMENTS = 0,
  SN_EXECUTOR_GRADIENTS = 1,  /* one per argument; absent where the request is null */
  SN_EXECUTOR_AUXILIARY_STATES = 2,
  SN_EXECUTOR_OUTPUTS = 3
} sn_executor_arrays;

/** What the memory plan decided (intermediate values only: no arguments, gradients, states or workspace). */
typedef struct sn_memory_plan {
  int64_t planned_bytes;      /* the buffers the plan allocates */
  int64_t lower_bound_bytes;  /* the most bytes live at once in this order: no plan of it needs less */
  int64_t unshared_bytes;     /* every intermediate value its own buffer */
  int64_t num_buffers;
  int64_t inplace_pairs;      /* outputs that took their input's buffer */
  int64_t num_steps;
  int64_t num_forward_steps;
  int64_t cse_merged;         /* nodes removed by common subexpression elimination */
  int64_t mirror_copies;      /* forward nodes recomputed in backward */
} sn_memory_plan;

/** The default bind options. */
SN_API sn_status sn_executor_default_options(SN_OUT sn_executor_options* options);

/** Executor handles alive in this process (leak tests). */
SN_API sn_status sn_executor_live_count(SN_OUT int64_t* handles);

/**
 * Binds `symbol` to arrays on a device: `args` one per argument and `aux` one per auxiliary state
 * (list order); `reqs` one sn_grad_req per argument; `grads` one per argument (NULL entries where the
 * request is null; the whole list may be NULL when every request is null). `shared` (nullable): an
 * executor whose buffers this one may reuse (they must not run at the same time). `options`: as
 * sn_executor_default_options gives, changed where wanted. Bad counts, shapes, dtypes or devices fail naming the argument. The caller frees the
 * result with sn_executor_free.
 */
SN_API sn_status sn_executor_bind(sn_symbol_t symbol, sn_device_type device_type, int32_t device_id,
                                  const sn_ndarray_t* args, SN_LENGTH_OF(args) int32_t num_args,
                                  SN_NULLABLE const sn_ndarray_t* grads, SN_LENGTH_OF(grads) int32_t num_grads,
                                  const sn_grad_req* reqs, SN_LENGTH_OF(reqs) int32_t num_reqs,
                                  const sn_ndarray_t* aux, SN_LENGTH_OF(aux) int32_t num_aux,
                                  SN_NULLABLE sn_executor_t shared, sn_executor_options options,
                                  SN_OUT SN_CALLER_FREES(sn_executor_free) sn_executor_t* out);

/**
 * Binds with arrays allocated from input shapes (as sn_symbol_infer_shape's `names`/`dims`/`ndims`) and
 * dtypes (`type_names`/`dtypes`, as sn_symbol_infer_type's; float32 for arguments nothing determines).
 * Arguments, gradients and auxiliary states start as zeros; with `shared`, arrays of the same name,
 * shape and dtype are shared with it. The caller frees the result with sn_executor_free.
 */
SN_API sn_status sn_executor_simple_bind(sn_symbol_t symbol, sn_device_type device_type, int32_t device_id,
                                         const uint8_t* names, SN_LENGTH_OF(names) int32_t names_length,
                                         const int64_t* dims, SN_LENGTH_OF(dims) int32_t num_dims,
                                         const int32_t* ndims, SN_LENGTH_OF(ndims) int32_t num_shapes,
                                         const uint8_t* type_names, SN_LENGTH_OF(type_names) int32_t type_names_length,
                                         const int32_t* dtypes, SN_LENGTH_OF(dtypes) int32_t num_dtypes,
                                         const sn_grad_req* reqs, SN_LENGTH_OF(reqs) int32_t num_reqs,
                                         SN_NULLABLE sn_executor_t shared, sn_executor_options options,
                                         SN_OUT SN_CALLER_FREES(sn_executor_free) sn_executor_t* out);

/**
 * A new executor for new input shapes (MXNet's Executor.reshape), sharing this one's buffers and the
 * arrays whose shape is unchanged; changed arrays are views of the old ones when they fit, else new
 * arrays (only with allow_up_sizing); without partial_shaping only the inputs named may change shape.
 * The caller frees the result with sn_executor_free.
 */
SN_API sn_status sn_executor_reshape(sn_executor_t executor, const uint8_t* names, SN_LENGTH_OF(names) int32_t names_length,
                                     const int64_t* dims, SN_LENGTH_OF(dims) int32_t num_dims, const int32_t* ndims,
                                     SN_LENGTH_OF(ndims) int32_t num_shapes, uint8_t partial_shaping,
                                     uint8_t allow_up_sizing, SN_OUT SN_CALLER_FREES(sn_executor_free) sn_executor_t* out);

/** Frees an executor (its arrays live on while other handles use them). Accepts NULL; any thread. */
SN_API sn_status sn_executor_free(sn_executor_t executor);

/** Pushes the forward pass (returns at once; errors surface when the outputs are read). */
SN_API sn_status sn_executor_forward(sn_executor_t executor, uint8_t is_train);

/**
 * Pushes the backward pass into the gradient arrays. `head_grads`: one per output (NULL entries, or a
 * NULL list, mean ones; loss outputs read none).
 */
SN_API sn_status sn_executor_backward(sn_executor_t executor, SN_NULLABLE const sn_ndarray_t* head_grads,
                                      SN_LENGTH_OF(head_grads) int32_t num_head_grads, uint8_t is_train);

/** How many arrays of `kind` the executor has. */
SN_API sn_status sn_executor_num_arrays(sn_executor_t executor, sn_executor_arrays kind, SN_OUT int32_t* count);

/**
 * Array `index` of `kind` (present = 0 and a NULL handle for a gradient whose request is null). The
 * caller frees the handle with sn_ndarray_free.
 */
SN_API sn_status sn_executor_get_array(sn_executor_t executor, sn_executor_arrays kind, int32_t index,
                                       SN_OUT uint8_t* present, SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** Names of the arrays of `kind`, each followed by a NUL (borrowed: valid until the next call on this thread). */
SN_API sn_status sn_executor_list_names(sn_executor_t executor, sn_executor_arrays kind,
                                        SN_OUT SN_BORROWED const uint8_t** text, SN_OUT int64_t* length);

/** The memory plan's figures. */
SN_API sn_status sn_executor_get_plan(sn_executor_t executor, SN_OUT sn_memory_plan* plan);

/** The executed graph, one line per step with each value's buffer (borrowed: valid until the next call on this thread). */
SN_API sn_status sn_executor_debug_string(sn_executor_t executor, SN_OUT SN_BORROWED const char** text);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SHARPNET_C_API_H_ */
