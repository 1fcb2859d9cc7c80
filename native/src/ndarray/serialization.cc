#include "ndarray/serialization.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unistd.h>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ndarray/kernels.h"

namespace sn {

namespace {

constexpr uint64_t kListMagic = 0x112;
constexpr uint32_t kMagicV1 = 0xF993FAC8;
constexpr uint32_t kMagicV2 = 0xF993FAC9;
constexpr uint32_t kMagicV3 = 0xF993FACA;

// MXNet flags Sharpnet arrays lack, loaded by conversion to the next wider type.
struct ExtraDType {
  int32_t flag;
  const char* name;
  int32_t size;
  DType load_as;
};
constexpr ExtraDType kExtraDTypes[] = {
    {8, "int16", 2, DType::kInt32},
    {9, "uint16", 2, DType::kInt32},
    {10, "uint32", 4, DType::kInt64},
    {11, "uint64", 8, DType::kInt64},
};

// Bounds-checked reading: every request is checked against what remains.
class Reader {
 public:
  Reader(std::string source) : source_(std::move(source)) {}
  virtual ~Reader() = default;
  virtual uint64_t remaining() const = 0;
  void read(void* dst, uint64_t n, const char* what) {
    if (n > remaining()) fail(str("truncated: ", what, " needs ", n, " bytes but only ", remaining(), " remain"));
    read_raw(dst, n);
  }
  template <class T>
  T get(const char* what) {
    T v;
    read(&v, sizeof(T), what);
    return v;
  }
  [[noreturn]] void fail(const std::string& why) const { SN_THROW(kFormat, "load: ", source_, ": ", why); }

 protected:
  virtual void read_raw(void* dst, uint64_t n) = 0;
  std::string source_;
};

class MemoryReader final : public Reader {
 public:
  MemoryReader(const uint8_t* data, size_t size) : Reader("<memory>"), data_(data), size_(size) {}
  uint64_t remaining() const override { return size_ - pos_; }

 private:
  void read_raw(void* dst, uint64_t n) override {
    if (n > 0) std::memcpy(dst, data_ + pos_, n);
    pos_ += n;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

class FileReader final : public Reader {
 public:
  explicit FileReader(const std::string& path) : Reader("'" + path + "'") {
    file_ = std::fopen(path.c_str(), "rb");
    SN_CHECK_WITH_CODE_(kIO, file_ != nullptr, "load: cannot open '", path, "': ", std::strerror(errno));
    if (std::fseek(file_, 0, SEEK_END) != 0 || (size_ = std::ftell(file_)) < 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
      std::fclose(file_);
      SN_THROW(kIO, "load: cannot determine the size of '", path, "'");
    }
  }
  ~FileReader() override { std::fclose(file_); }
  uint64_t remaining() const override { return static_cast<uint64_t>(size_) - pos_; }

 private:
  void read_raw(void* dst, uint64_t n) override {
    if (n > 0 && std::fread(dst, 1, n, file_) != n) SN_THROW(kIO, "load: ", source_, ": read failed: ", std::strerror(errno));
    pos_ += n;
  }
  std::FILE* file_ = nullptr;
  long size_ = 0;
  uint64_t pos_ = 0;
};

NDArray read_record(Reader& in, size_t index, const Device& device) {
  const std::string rec = str("record ", index);
  uint32_t magic = in.get<uint32_t>("a record header");
  Shape shape;
  if (magic == kMagicV1 || magic == kMagicV2 || magic == kMagicV3) {
    if (magic != kMagicV1) {
      int32_t stype = in.get<int32_t>("a storage type");
      if (stype == 1 || stype == 2) {
        SN_THROW(kUnsupported, "load: ", rec, " is a ", stype == 1 ? "row_sparse" : "csr",
                 " array; Sharpnet loads dense arrays only so far");
      }
      if (stype != 0) in.fail(str(rec, " has unknown storage type ", stype));
    }
    int32_t ndim = in.get<int32_t>("a shape");
    if (ndim == 0) in.fail(str(rec, " is an empty (none) array, which Sharpnet does not have"));
    if (ndim < 0 || ndim > Shape::kMaxNDim) in.fail(str(rec, " has ", ndim, " dimensions (expected 1 to ", Shape::kMaxNDim, ")"));
    for (int32_t d = 0; d < ndim; ++d) {
      int64_t dim = in.get<int64_t>("a shape");
      if (dim < 0) in.fail(str(rec, " has a negative dimension ", dim));
      shape.push_back(dim);
    }
  } else {
    // The pre-magic layout: the word just read is ndim, then uint32 dims.
    if (magic == 0 || magic > static_cast<uint32_t>(Shape::kMaxNDim)) {
      in.fail(str(rec, " starts with 0x", std::hex, magic, std::dec,
                  ", which is neither a known record magic nor a plausible dimension count"));
    }
    for (uint32_t d = 0; d < magic; ++d) shape.push_back(in.get<uint32_t>("a shape"));
  }
  int32_t dev_type = in.get<int32_t>("a context");
  in.get<int32_t>("a context");  // device id: loading places arrays on `device`
  if (dev_type != 1 && dev_type != 2 && dev_type != 3 && dev_type != 5)
    in.fail(str(rec, " has unknown device type ", dev_type));
  int32_t flag = in.get<int32_t>("a dtype");

  int64_t count = 0;
  int64_t elem = 0;
  DType dtype = DType::kFloat32;
  const ExtraDType* extra = nullptr;
  if (is_valid_dtype_flag(flag)) {
    dtype = static_cast<DType>(flag);
    elem = dtype_size(dtype);
  } else {
    for (const auto& e : kExtraDTypes)
      if (e.flag == flag) extra = &e;
    if (extra == nullptr) in.fail(str(rec, " has unknown dtype flag ", flag));
    dtype = extra->load_as;
    elem = extra->size;
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(shape.size(), elem, &bytes) || static_cast<uint64_t>(bytes) > in.remaining()) {
    in.fail(str(rec, " (shape ", shape, ", ", extra ? extra->name : std::string(dtype_name(dtype)),
                ") needs more data than the input holds (", in.remaining(), " bytes remain)"));
  }
  count = shape.size();
  NDArray out = NDArray::empty(shape, dtype, device);
  if (count == 0) return out;
  out.ensure_allocated();  // a new array: nothing is pending on it
  if (extra == nullptr) {
    in.read(out.data(), static_cast<uint64_t>(bytes), "array data");
    return out;
  }
  std::vector<uint8_t> raw(static_cast<size_t>(bytes));
  in.read(raw.data(), static_cast<uint64_t>(bytes), "array data");
  auto* dst32 = static_cast<int32_t*>(out.data());
  auto* dst64 = static_cast<int64_t*>(out.data());
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* p = raw.data() + i * elem;
    switch (extra->flag) {
      case 8: { int16_t v; std::memcpy(&v, p, 2); dst32[i] = v; break; }
      case 9: { uint16_t v; std::memcpy(&v, p, 2); dst32[i] = v; break; }
      case 10: { uint32_t v; std::memcpy(&v, p, 4); dst64[i] = v; break; }
      default: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        if (v > static_cast<uint64_t>(INT64_MAX)) in.fail(str(rec, ": uint64 value ", v, " does not fit int64"));
        dst64[i] = static_cast<int64_t>(v);
      }
    }
  }
  return out;
}

NDArrayList read_list(Reader& in, const Device& device) {
  check_device_available(device, "load");
  uint64_t magic = in.get<uint64_t>("the file header");
  if (magic != kListMagic) in.fail(str("not an MXNet NDArray list (header 0x", std::hex, magic, ", expected 0x112)"));
  in.get<uint64_t>("the file header");  // reserved
  uint64_t n = in.get<uint64_t>("the array count");
  constexpr uint64_t kMinRecord = 4 + 4 + 8 + 4;  // header, one dim, context, dtype
  if (n > in.remaining() / kMinRecord) in.fail(str("claims ", n, " arrays, more than ", in.remaining(), " bytes can hold"));
  NDArrayList list;
  list.arrays.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) list.arrays.push_back(read_record(in, static_cast<size_t>(i), device));
  uint64_t k = in.get<uint64_t>("the name count");
  if (k != 0 && k != n) in.fail(str("has ", n, " arrays but ", k, " names"));
  for (uint64_t i = 0; i < k; ++i) {
    uint64_t len = in.get<uint64_t>("a name");
    if (len > in.remaining()) in.fail(str("name ", i, " claims ", len, " bytes but only ", in.remaining(), " remain"));
    std::string name(static_cast<size_t>(len), '\0');
    in.read(name.data(), len, "a name");
    list.names.push_back(std::move(name));
  }
  return list;
}

// Appends to a byte sink: a file or memory.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual void write(const void* data, size_t n) = 0;
  template <class T>
  void put(T v) {
    write(&v, sizeof(T));
  }
};

class MemoryWriter final : public Writer {
 public:
  void write(const void* data, size_t n) override {
    auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + n);
  }
  std::vector<uint8_t> bytes;
};

class FileWriter final : public Writer {
 public:
  FileWriter(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  void write(const void* data, size_t n) override {
    if (n > 0 && std::fwrite(data, 1, n, file_) != n) SN_THROW(kIO, "save: cannot write '", path_, "': ", std::strerror(errno));
  }

 private:
  std::FILE* file_;
  std::string path_;
};

void write_list(Writer& out, std::span<const NDArray> arrays, std::span<const std::string> names) {
  SN_CHECK(names.empty() || names.size() == arrays.size(), "save: expected no names or one per array (",
           arrays.size(), "), got ", names.size());
  out.put<uint64_t>(kListMagic);
  out.put<uint64_t>(0);
  out.put<uint64_t>(arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    const NDArray& a = arrays[i];
    SN_CHECK(!a.is_none(), "save: array ", i, " is empty (none)");
    out.put<uint32_t>(kMagicV2);
    out.put<int32_t>(0);  // dense
    out.put<int32_t>(a.shape().ndim());
    for (int64_t d : a.shape().dims()) out.put<int64_t>(d);
    out.put<int32_t>(static_cast<int32_t>(DeviceType::kCPU));
    out.put<int32_t>(0);
    out.put<int32_t>(static_cast<int32_t>(a.dtype()));
    // The data is read by an engine op (no concurrent write can tear it) and waited for.
    std::vector<uint8_t> data(a.nbytes());
    copy_to_host(a, data.data(), a.dtype(), 0, a.size());
    out.write(data.data(), data.size());
  }
  out.put<uint64_t>(names.size());
  for (const auto& name : names) {
    out.put<uint64_t>(name.size());
    out.write(name.data(), name.size());
  }
}

}  // namespace

std::vector<uint8_t> save_ndarray_list_to_bytes(std::span<const NDArray> arrays, std::span<const std::string> names) {
  MemoryWriter w;
  write_list(w, arrays, names);
  return std::move(w.bytes);
}

void save_ndarray_list(const std::string& path, std::span<const NDArray> arrays, std::span<const std::string> names) {
  std::string tmp = str(path, ".tmp.", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  SN_CHECK_WITH_CODE_(kIO, f != nullptr, "save: cannot create '", tmp, "': ", std::strerror(errno));
  try {
    FileWriter w(f, path);
    write_list(w, arrays, names);
    if (std::fflush(f) != 0) SN_THROW(kIO, "save: cannot write '", path, "': ", std::strerror(errno));
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f) != 0) {
    std::remove(tmp.c_str());
    SN_THROW(kIO, "save: cannot write '", path, "': ", std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    SN_THROW(kIO, "save: cannot move '", tmp, "' to '", path, "': ", std::strerror(err));
  }
}

NDArrayList load_ndarray_list(const std::string& path, const Device& device) {
  FileReader in(path);
  return read_list(in, device);
}

NDArrayList load_ndarray_list_from_bytes(const uint8_t* data, size_t size, const Device& device) {
  SN_CHECK(data != nullptr || size == 0, "load: the buffer is null");
  MemoryReader in(data, size);
  return read_list(in, device);
}

}  // namespace sn
