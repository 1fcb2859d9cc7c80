// The elementwise binary functions, shared by the array-array forms
// (elemwise_*, broadcast_*) and the scalar forms (_*_scalar): each is written
// once. Arguments are in compute_t (float for the 16-bit floats).
#pragma once

#include <cmath>
#include <type_traits>

namespace sn::binary_math {

struct Add {
  template <class X> X operator()(X a, X b) const { return a + b; }
};
struct Sub {
  template <class X> X operator()(X a, X b) const { return a - b; }
};
struct Mul {
  template <class X> X operator()(X a, X b) const { return a * b; }
};
// Integer division truncates; by zero it gives 0 and INT_MIN / -1 wraps, instead of trapping.
struct Div {
  template <class X>
  X operator()(X a, X b) const {
    if constexpr (std::is_integral_v<X>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<X>) {
        if (b == -1) return static_cast<X>(0 - static_cast<std::make_unsigned_t<X>>(a));
      }
    }
    return a / b;
  }
};
// Python's modulo (the result takes the divisor's sign), as MXNet; by zero gives 0.
struct Mod {
  template <class X>
  X operator()(X a, X b) const {
    if (b == X(0)) return X(0);
    if constexpr (std::is_integral_v<X>) {
      if constexpr (std::is_signed_v<X>) {
        if (b == -1) return 0;
      }
      X r = static_cast<X>(a % b);
      if constexpr (std::is_signed_v<X>) {
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<X>(r + b);
      }
      return r;
    } else {
      X r = std::fmod(a, b);
      if (r != X(0) && ((r < X(0)) != (b < X(0)))) r += b;
      return r;
    }
  }
};
struct Pow {
  template <class X>
  X operator()(X a, X b) const {
    if constexpr (std::is_integral_v<X>) return static_cast<X>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    else return std::pow(a, b);
  }
};
// NaN propagates from either side (NumPy's maximum/minimum).
struct Max {
  template <class X> X operator()(X a, X b) const { return (a > b || a != a) ? a : b; }
};
struct Min {
  template <class X> X operator()(X a, X b) const { return (a < b || a != a) ? a : b; }
};
struct Hypot {
  template <class X>
  X operator()(X a, X b) const {
    if constexpr (std::is_integral_v<X>) return static_cast<X>(std::hypot(static_cast<double>(a), static_cast<double>(b)));
    else return std::hypot(a, b);
  }
};
// Comparisons and logic give 1 or 0 in the inputs' dtype (legacy MXNet).
struct Eq {
  template <class X> X operator()(X a, X b) const { return a == b ? X(1) : X(0); }
};
struct Ne {
  template <class X> X operator()(X a, X b) const { return a != b ? X(1) : X(0); }
};
struct Gt {
  template <class X> X operator()(X a, X b) const { return a > b ? X(1) : X(0); }
};
struct Ge {
  template <class X> X operator()(X a, X b) const { return a >= b ? X(1) : X(0); }
};
struct Lt {
  template <class X> X operator()(X a, X b) const { return a < b ? X(1) : X(0); }
};
struct Le {
  template <class X> X operator()(X a, X b) const { return a <= b ? X(1) : X(0); }
};
struct And {
  template <class X> X operator()(X a, X b) const { return a != X(0) && b != X(0) ? X(1) : X(0); }
};
struct Or {
  template <class X> X operator()(X a, X b) const { return a != X(0) || b != X(0) ? X(1) : X(0); }
};
struct Xor {
  template <class X> X operator()(X a, X b) const { return (a != X(0)) != (b != X(0)) ? X(1) : X(0); }
};
// f(b, a): the scalar forms with the scalar on the left (_rminus_scalar, _rpower_scalar).
template <class F>
struct Reversed {
  template <class X> X operator()(X a, X b) const { return F{}(b, a); }
};

}  // namespace sn::binary_math
