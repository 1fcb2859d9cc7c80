// Special functions the standard library lacks: polygamma (digamma and its
// derivatives, for the gradients of gamma/gammaln) and erfinv. Double
// precision; the float kernels call them through a double round trip.
#pragma once

#include <cmath>
#include <limits>
#include <numbers>

namespace sn::special {

// psi^(n)(x), n >= 0: poles (0, -1, -2, ...) give NaN. Upward recurrence to x >= 10, then the asymptotic
// series (terms up to B14, error below 1e-16 relative there).
inline double polygamma(int n, double x) {
  if (std::isnan(x)) return x;
  if (x <= 0 && x == std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
  if (n == 0 && x < 0) {  // reflection keeps precision for negative x
    return polygamma(0, 1 - x) - std::numbers::pi / std::tan(std::numbers::pi * x);
  }
  double factorial = 1;  // n!
  for (int k = 2; k <= n; ++k) factorial *= k;
  const double sign = n % 2 == 1 ? 1.0 : -1.0;  // (-1)^(n+1)
  double shift = 0;
  while (x < 10) {  // psi^(n)(x) = psi^(n)(x+1) + (-1)^(n+1) n! / x^(n+1)
    shift += n == 0 ? -1.0 / x : sign * factorial / std::pow(x, n + 1);
    x += 1;
  }
  static constexpr double kB[] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6};
  const double inv = 1 / x, inv2 = inv * inv;
  if (n == 0) {
    double s = 0, p = inv2;
    for (int k = 1; k <= 7; ++k, p *= inv2) s += kB[k - 1] / (2 * k) * p;
    return shift + std::log(x) - 0.5 * inv - s;
  }
  // (-1)^(n+1) [ (n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)!/(2k)! / x^(2k+n) ]
  double nm1 = factorial / n;  // (n-1)!
  double s = nm1 * std::pow(inv, n) + factorial * 0.5 * std::pow(inv, n + 1);
  double ratio = 1;  // (2k+n-1)!/(2k)!, built incrementally
  for (int k = 1; k <= 7; ++k) {
    // (2k+n-1)!/(2k)! = prod_{j=2k+1}^{2k+n-1} j
    ratio = 1;
    for (int j = 2 * k + 1; j <= 2 * k + n - 1; ++j) ratio *= j;
    s += kB[k - 1] * ratio * std::pow(inv, 2 * k + n);
  }
  return shift + sign * s;
}

// erf^-1(y) for y in [-1, 1]: +-inf at +-1, NaN outside. A rational start refined by Newton on erf.
inline double erfinv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1) return std::numeric_limits<double>::infinity();
  if (y == -1) return -std::numeric_limits<double>::infinity();
  // Giles' single-precision approximation as the start.
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = 2.81022636e-08;
    x = 3.43273939e-07 + x * w;
    x = -3.5233877e-06 + x * w;
    x = -4.39150654e-06 + x * w;
    x = 0.00021858087 + x * w;
    x = -0.00125372503 + x * w;
    x = -0.00417768164 + x * w;
    x = 0.246640727 + x * w;
    x = 1.50140941 + x * w;
  } else {
    w = std::sqrt(w) - 3.0;
    x = -0.000200214257;
    x = 0.000100950558 + x * w;
    x = 0.00134934322 + x * w;
    x = -0.00367342844 + x * w;
    x = 0.00573950773 + x * w;
    x = -0.0076224613 + x * w;
    x = 0.00943887047 + x * w;
    x = 1.00167406 + x * w;
    x = 2.83297682 + x * w;
  }
  x *= y;
  for (int it = 0; it < 3; ++it) {  // Newton: erf(x) = y
    const double d = 2 / std::sqrt(std::numbers::pi) * std::exp(-x * x);
    if (d == 0) break;
    x -= (std::erf(x) - y) / d;
  }
  return x;
}

}  // namespace sn::special
