// Shape: int64 dims, with unknown dims and unknown rank for partial inference.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>

namespace sn {

// Note [Unknown dims]
// Internally an unknown dim is -1 and an unknown rank is ndim() == -1, so a
// zero-size dim stays expressible. MXNet's legacy API spells "unknown" as 0
// in partially known shapes; that spelling is converted where it enters or
// leaves (from_legacy / to_legacy), never inside inference.
class Shape {
 public:
  static constexpr int kMaxNDim = 32;  // NumPy's limit
  static constexpr int64_t kUnknownDim = -1;

  Shape() noexcept = default;  // rank 0: "()"
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  Shape(int ndim, int64_t fill);
  static Shape unknown() noexcept;  // rank unknown
  // Legacy partial shapes: 0 means unknown; an empty shape means unknown rank.
  static Shape from_legacy(std::span<const int64_t> dims);
  Shape to_legacy() const;

  Shape(const Shape& other);
  Shape(Shape&& other) noexcept;
  Shape& operator=(const Shape& other);
  Shape& operator=(Shape&& other) noexcept;
  ~Shape() = default;

  int ndim() const noexcept { return ndim_; }
  bool ndim_known() const noexcept { return ndim_ >= 0; }
  // Rank and every dim known.
  bool is_known() const noexcept;
  int64_t operator[](int i) const noexcept { return data()[i]; }
  int64_t& operator[](int i) noexcept { return data()[i]; }
  // Dim i with Python-style negative indexing; throws an index error naming `what`.
  int64_t at(int i) const;
  const int64_t* data() const noexcept { return heap_ ? heap_.get() : inline_; }
  int64_t* data() noexcept { return heap_ ? heap_.get() : inline_; }
  const int64_t* begin() const noexcept { return data(); }
  const int64_t* end() const noexcept { return data() + (ndim_ > 0 ? ndim_ : 0); }
  std::span<const int64_t> dims() const noexcept { return {begin(), end()}; }
  void push_back(int64_t dim);

  // Number of elements; the shape must be known. Throws on int64 overflow.
  int64_t size() const {
    int64_t total = 1;
    const int64_t* d = data();
    for (int i = 0; i < ndim_; ++i)
      if (d[i] < 0 || __builtin_mul_overflow(total, d[i], &total)) return size(0, ndim_);  // throws
    return ndim_ >= 0 ? total : size(0, 0);
  }
  // Product of dims [begin, end).
  int64_t size(int begin, int end) const;

  // Partial inference: takes `known`'s rank and dims where this has none; false (this unchanged) when a rank or a
  // dim known in both differs.
  bool merge(const Shape& known);

  bool operator==(const Shape& other) const noexcept;
  bool operator!=(const Shape& other) const noexcept { return !(*this == other); }

  // "(2, 3)", "(10,)", "()"; unknown dims print "?", unknown rank "None".
  std::string to_string() const;

 private:
  static constexpr int kInline = 6;
  void resize_uninitialized(int ndim);
  int ndim_ = 0;
  int64_t inline_[kInline] = {};
  std::unique_ptr<int64_t[]> heap_;
};

std::ostream& operator<<(std::ostream& os, const Shape& shape);

}  // namespace sn
