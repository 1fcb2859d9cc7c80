#include "core/shape.h"

#include <algorithm>
#include <ostream>

#include "core/error.h"

namespace sn {

void Shape::resize_uninitialized(int ndim) {
  SN_CHECK_SHAPE(ndim <= kMaxNDim, "a shape has at most ", kMaxNDim, " dimensions, got ", ndim);
  if (ndim > kInline) {
    if (!heap_ || ndim > ndim_) heap_ = std::make_unique<int64_t[]>(static_cast<size_t>(ndim));
  } else {
    heap_.reset();
  }
  ndim_ = ndim;
}

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  resize_uninitialized(static_cast<int>(std::min<size_t>(dims.size(), kMaxNDim + 1)));
  std::copy(dims.begin(), dims.end(), data());
}

Shape::Shape(int ndim, int64_t fill) {
  SN_CHECK_SHAPE(ndim >= 0, "a shape's rank must be >= 0, got ", ndim);
  resize_uninitialized(ndim);
  std::fill(data(), data() + ndim, fill);
}

Shape Shape::unknown() noexcept {
  Shape s;
  s.ndim_ = -1;
  return s;
}

Shape Shape::from_legacy(std::span<const int64_t> dims) {
  if (dims.empty()) return unknown();
  Shape s(dims);
  for (int i = 0; i < s.ndim(); ++i)
    if (s[i] == 0) s[i] = kUnknownDim;
  return s;
}

Shape Shape::to_legacy() const {
  if (!ndim_known()) return Shape();
  Shape s(*this);
  for (int i = 0; i < s.ndim(); ++i)
    if (s[i] < 0) s[i] = 0;
  return s;
}

// Copies and moves touch only the dims in use (most shapes have one to four).
Shape::Shape(const Shape& other) : ndim_(other.ndim_) {
  if (other.heap_) {
    heap_ = std::make_unique<int64_t[]>(static_cast<size_t>(ndim_));
    std::copy(other.begin(), other.end(), heap_.get());
  } else {
    std::copy_n(other.inline_, std::max(ndim_, 0), inline_);
  }
}

Shape::Shape(Shape&& other) noexcept : ndim_(other.ndim_), heap_(std::move(other.heap_)) {
  if (!heap_) std::copy_n(other.inline_, std::max(ndim_, 0), inline_);
  other.ndim_ = 0;
}

Shape& Shape::operator=(const Shape& other) {
  if (this == &other) return *this;
  if (other.heap_) {
    auto heap = std::make_unique<int64_t[]>(static_cast<size_t>(other.ndim_));
    std::copy(other.begin(), other.end(), heap.get());
    heap_ = std::move(heap);
  } else {
    heap_.reset();
    std::copy_n(other.inline_, std::max(other.ndim_, 0), inline_);
  }
  ndim_ = other.ndim_;
  return *this;
}

Shape& Shape::operator=(Shape&& other) noexcept {
  if (this != &other) {
    ndim_ = other.ndim_;
    heap_ = std::move(other.heap_);
    if (!heap_) std::copy_n(other.inline_, std::max(ndim_, 0), inline_);
    other.ndim_ = 0;
  }
  return *this;
}

bool Shape::is_known() const noexcept {
  if (ndim_ < 0) return false;
  return std::all_of(begin(), end(), [](int64_t d) { return d >= 0; });
}

int64_t Shape::at(int i) const {
  SN_CHECK_INDEX(ndim_known(), "shape rank is unknown; cannot read dim ", i);
  int j = i < 0 ? i + ndim_ : i;
  SN_CHECK_INDEX(j >= 0 && j < ndim_, "dim ", i, " is out of range for shape ", to_string(), " (rank ", ndim_, ")");
  return data()[j];
}

void Shape::push_back(int64_t dim) {
  SN_CHECK_SHAPE(ndim_known(), "cannot append a dim to a shape of unknown rank");
  int n = ndim_;
  SN_CHECK_SHAPE(n < kMaxNDim, "a shape has at most ", kMaxNDim, " dimensions");
  if (n == kInline || (heap_ && n >= kInline)) {
    auto grown = std::make_unique<int64_t[]>(static_cast<size_t>(n + 1));
    std::copy(begin(), end(), grown.get());
    heap_ = std::move(grown);
  }
  ndim_ = n + 1;
  data()[n] = dim;
}


int64_t Shape::size(int first, int last) const {
  SN_INTERNAL_ASSERT(first >= 0 && first <= last && last <= std::max(ndim_, 0), "range [", first, ", ", last, ") of ",
                     to_string());
  // One pass: every dim of the shape must be known (not only those in range), and the product must fit.
  const int64_t* d = data();
  bool known = ndim_ >= 0;
  for (int i = 0; i < ndim_; ++i) known &= d[i] >= 0;
  SN_CHECK_SHAPE(known, "the size of shape ", to_string(), " is unknown");
  int64_t total = 1;
  for (int i = first; i < last; ++i) {
    int64_t out = 0;
    SN_CHECK_SHAPE(!__builtin_mul_overflow(total, d[i], &out), "shape ", to_string(),
                   " has more elements than int64 can count");
    total = out;
  }
  return total;
}

bool Shape::merge(const Shape& known) {
  if (!known.ndim_known()) return true;
  if (!ndim_known()) {
    *this = known;
    return true;
  }
  if (ndim_ != known.ndim_) return false;
  int64_t* d = data();
  for (int i = 0; i < ndim_; ++i)
    if (known[i] >= 0 && d[i] >= 0 && d[i] != known[i]) return false;
  for (int i = 0; i < ndim_; ++i)
    if (known[i] >= 0) d[i] = known[i];
  return true;
}

bool Shape::operator==(const Shape& other) const noexcept {
  return ndim_ == other.ndim_ && std::equal(begin(), end(), other.begin());
}

std::string Shape::to_string() const {
  if (!ndim_known()) return "None";
  std::string out = "(";
  for (int i = 0; i < ndim_; ++i) {
    if (i > 0) out += ", ";
    out += data()[i] < 0 ? std::string("?") : std::to_string(data()[i]);
  }
  if (ndim_ == 1) out += ",";
  out += ")";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape.to_string(); }

}  // namespace sn
