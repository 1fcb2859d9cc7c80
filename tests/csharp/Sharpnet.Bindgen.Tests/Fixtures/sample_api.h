/*
 * sample_api.h - a small header in the conventions of sharpnet/c_api.h that
 * exercises every rule of the interop generator (see sample_api.expected.cs).
 */
#ifndef SAMPLE_API_H_
#define SAMPLE_API_H_

#include <stddef.h>
#include <stdint.h>

/* The annotation macros, as in c_api.h. */
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

/** Version of this sample ABI. */
enum {
  SN_ABI_VERSION_MAJOR = 2,
  /** Raised by every addition. */
  SN_ABI_VERSION_MINOR = 5
};

/** Status of every call. */
typedef enum sn_status {
  /** The call succeeded. */
  SN_OK = 0,
  /** A bad argument: NULL where a pointer is required, or a value <out of range> & co. */
  SN_ERR_INVALID_ARGUMENT = 1,
  SN_ERR_IO = 7
} sn_status;

/** Element types. */
typedef enum sn_dtype {
  SN_DTYPE_FLOAT32 = 0,
  SN_DTYPE_UINT8 = 3,
  SN_DTYPE_BFLOAT16 = 12
} sn_dtype;

/** Where a message came from (internal to the binding). */
typedef enum {
  SN_SOURCE_ENGINE = 1,
  SN_SOURCE_USER = -1
} sn_source;

/** Message of the last failure on this thread. Borrowed: valid until the next failed call. */
const char* sn_last_error(void);

/** The library version. Static: valid for the life of the process. */
sn_status sn_library_version(SN_OUT SN_STATIC const char** version);

/** An n-dimensional array. */
typedef struct sn_ndarray* sn_ndarray_t;

/** A tensor layout, passed by value. */
typedef struct sn_layout {
  int32_t ndim;
  /** Extent of each dimension; the first ndim are used. */
  int64_t dims[8];
  sn_dtype dtype;
  /** Element type per dimension group. */
  sn_dtype group_types[4];
  uint8_t is_contiguous;
  char name[16];
} sn_layout;

/** Frees an array; NULL is a no-op. */
sn_status sn_ndarray_free(sn_ndarray_t array);

/** Creates a zero-filled array. Caller frees with sn_ndarray_free. */
sn_status sn_ndarray_create(
    const int64_t* dims, SN_LENGTH_OF(dims) int32_t ndim, sn_dtype dtype,
    SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/** Reshapes in place. */
sn_status sn_ndarray_reshape(sn_ndarray_t array, const int64_t* dims, SN_LENGTH_OF(dims) int32_t ndim);

/** Copies the elements into a caller buffer of count floats. */
sn_status sn_ndarray_copy_to(sn_ndarray_t array, float* buffer, SN_LENGTH_OF(buffer) size_t count);

/** Writes raw bytes; data may be NULL when size is 0. */
sn_status sn_ndarray_write_bytes(sn_ndarray_t array, SN_NULLABLE const void* data, SN_LENGTH_OF(data) size_t size);

/** The array's shape. Borrowed: valid until the next call on this thread. */
sn_status sn_ndarray_get_shape(
    sn_ndarray_t array, SN_OUT SN_BORROWED const int64_t** dims, SN_OUT SN_LENGTH_OF(dims) int32_t* ndim);

/** The array's name. Borrowed: valid until the next call on this thread. */
sn_status sn_ndarray_get_name(sn_ndarray_t array, SN_OUT SN_BORROWED const char** name);

/** Sets or clears (NULL) the array's name. */
sn_status sn_ndarray_set_name(sn_ndarray_t array, SN_NULLABLE const char* name);

/** The array's layout. */
sn_status sn_ndarray_get_layout(sn_ndarray_t array, SN_OUT sn_layout* layout);

/** Whether the layout fits the array. */
sn_status sn_ndarray_check_layout(sn_ndarray_t array, sn_layout layout, SN_OUT uint8_t* fits);

/** The array this one is a view of, or NULL. Borrowed: owned by the view. */
sn_status sn_ndarray_get_base(sn_ndarray_t array, SN_OUT SN_BORROWED sn_ndarray_t* base);

/** Sums arrays element-wise into a new array. Caller frees with sn_ndarray_free. */
sn_status sn_ndarray_sum(
    const sn_ndarray_t* items, SN_LENGTH_OF(items) uint32_t count,
    SN_OUT SN_CALLER_FREES(sn_ndarray_free) sn_ndarray_t* out);

/**
 * Receives one message. The message is borrowed: valid during the call.
 * Never called concurrently with itself.
 */
typedef void (*sn_message_callback)(void* user_data, sn_source source, const char* message, int64_t length);

/** Routes messages to a callback; NULL restores the default. */
sn_status sn_set_message_callback(SN_NULLABLE sn_message_callback callback, SN_NULLABLE void* user_data);

/** A callback with a result: returns 0 to continue. */
typedef int32_t (*sn_visit_callback)(void* user_data, sn_ndarray_t array, const int64_t* dims, int32_t ndim);

/** Visits each array of a group (params is a C# keyword). */
sn_status sn_ndarray_visit(
    const sn_ndarray_t* params, SN_LENGTH_OF(params) size_t count, sn_visit_callback visit, void* user_data);

#endif /* SAMPLE_API_H_ */
