// A move-only std::function with a larger inline buffer: op closures (a few
// pointers and sizes) are stored in place, so pushing an op allocates nothing
// for its function.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace sn {

template <class Sig, size_t N = 64>
class InlineFunction;

template <class R, class... Args, size_t N>
class InlineFunction<R(Args...), N> {
 public:
  InlineFunction() noexcept = default;
  InlineFunction(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, InlineFunction> && std::is_invocable_r_v<R, D&, Args...>>>
  InlineFunction(F&& f) {  // NOLINT: implicit, as std::function
    if constexpr (fits<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      invoke_ = [](void* p, Args... args) -> R { return (*static_cast<D*>(p))(std::forward<Args>(args)...); };
      manage_ = [](void* dst, void* src) noexcept {
        if (dst != nullptr) ::new (dst) D(std::move(*static_cast<D*>(src)));
        static_cast<D*>(src)->~D();
      };
    } else {
      *reinterpret_cast<D**>(buf_) = new D(std::forward<F>(f));
      invoke_ = [](void* p, Args... args) -> R { return (**static_cast<D**>(p))(std::forward<Args>(args)...); };
      manage_ = [](void* dst, void* src) noexcept {
        D** from = static_cast<D**>(src);
        if (dst != nullptr) *static_cast<D**>(dst) = *from;  // move: hand the pointer over
        else delete *from;
      };
    }
  }

  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return invoke_ != nullptr; }
  // Like std::function, a const call may run a mutable closure (the stored copy is the function's own).
  R operator()(Args... args) const { return invoke_(const_cast<unsigned char*>(buf_), std::forward<Args>(args)...); }

 private:
  template <class D>
  static constexpr bool fits = sizeof(D) <= N && alignof(D) <= alignof(std::max_align_t) &&
                               std::is_nothrow_move_constructible_v<D>;

  void reset() noexcept {
    if (manage_ != nullptr) manage_(nullptr, buf_);
    invoke_ = nullptr;
    manage_ = nullptr;
  }
  void take(InlineFunction& other) noexcept {
    if (other.manage_ == nullptr) return;
    other.manage_(buf_, other.buf_);
    invoke_ = std::exchange(other.invoke_, nullptr);
    manage_ = std::exchange(other.manage_, nullptr);
  }

  alignas(std::max_align_t) unsigned char buf_[N];
  R (*invoke_)(void*, Args...) = nullptr;
  void (*manage_)(void* dst, void* src) noexcept = nullptr;  // dst null: destroy; else move into dst
};

}  // namespace sn
