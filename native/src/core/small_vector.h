// A vector that keeps up to N elements inline: no allocation in the common
// case of a few inputs/outputs per op (the engine's hot path).
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <vector>

namespace sn {

template <class T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable elements");

 public:
  SmallVector() = default;
  SmallVector(std::initializer_list<T> items) { assign(items.begin(), items.end()); }
  template <class It>
  SmallVector(It first, It last) {
    assign(first, last);
  }
  SmallVector(const SmallVector& other) { assign(other.begin(), other.end()); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }

  template <class It>
  void assign(It first, It last) {
    clear();
    for (; first != last; ++first) push_back(*first);
  }
  void push_back(const T& value) {
    if (size_ < N) {
      inline_[size_] = value;
    } else {
      if (size_ == N) heap_.assign(inline_, inline_ + N);
      heap_.push_back(value);
    }
    ++size_;
  }
  void clear() noexcept {
    size_ = 0;
    heap_.clear();
  }
  void resize(size_t n, const T& value = T{}) {
    while (size_ > n) pop_back();
    while (size_ < n) push_back(value);
  }
  void pop_back() noexcept {
    --size_;
    if (size_ == N) {  // back to inline storage
      std::copy_n(heap_.begin(), N, inline_);
      heap_.clear();
    } else if (size_ > N) {
      heap_.pop_back();
    }
  }
  void erase_tail(T* new_end) { resize(static_cast<size_t>(new_end - begin())); }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return size_ > N ? heap_.data() : inline_; }
  const T* data() const noexcept { return size_ > N ? heap_.data() : inline_; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }
  T& operator[](size_t i) noexcept { return data()[i]; }
  const T& operator[](size_t i) const noexcept { return data()[i]; }
  T& back() noexcept { return data()[size_ - 1]; }
  operator std::span<const T>() const noexcept { return {data(), size_}; }

 private:
  size_t size_ = 0;
  T inline_[N] = {};
  std::vector<T> heap_;  // all elements, once there are more than N
};

}  // namespace sn
