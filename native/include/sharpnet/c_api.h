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
  SN_ABI_VERSION_MINOR = 0
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

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SHARPNET_C_API_H_ */
