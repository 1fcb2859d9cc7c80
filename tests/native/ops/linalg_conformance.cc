// Conformance entries: the linalg family (products, triangular ops, Cholesky, LU-based det/inverse,
// diagonal and triangle helpers). Factorizations get well-conditioned inputs through `prepare`.
#include <cmath>
#include <string>
#include <utility>

#include "ops/conformance.h"

namespace sn::conformance {
namespace {

const std::vector<DType> kLinalg = {DType::kFloat32, DType::kFloat64};

bool flag(const Params& p, const std::string& key, bool dflt) {
  return param(p, key, dflt ? "True" : "False") == "True";
}
double num(const Params& p, const std::string& key, double dflt) { return std::stod(param(p, key, std::to_string(dflt))); }

// A dense row-major matrix.
struct Mat {
  int64_t r = 0, c = 0;
  std::vector<double> v;
  Mat(int64_t rows, int64_t cols) : r(rows), c(cols), v(static_cast<size_t>(rows * cols), 0.0) {}
  double& operator()(int64_t i, int64_t j) { return v[static_cast<size_t>(i * c + j)]; }
  double operator()(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * c + j)]; }
};
int64_t rows(const Shape& s) { return s[s.ndim() - 2]; }
int64_t cols(const Shape& s) { return s[s.ndim() - 1]; }
int64_t batch(const Shape& s) { return s.size(0, s.ndim() - 2); }
Mat get(const Ref& x, int64_t b) {
  Mat m(rows(x.shape), cols(x.shape));
  std::copy(x.v.begin() + b * m.r * m.c, x.v.begin() + (b + 1) * m.r * m.c, m.v.begin());
  return m;
}
void put(Ref& x, int64_t b, const Mat& m) { std::copy(m.v.begin(), m.v.end(), x.v.begin() + b * m.r * m.c); }
Mat t(const Mat& a) {
  Mat r(a.c, a.r);
  for (int64_t i = 0; i < a.r; ++i)
    for (int64_t j = 0; j < a.c; ++j) r(j, i) = a(i, j);
  return r;
}
Mat mul(const Mat& a, const Mat& b) {
  Mat r(a.r, b.c);
  for (int64_t i = 0; i < a.r; ++i)
    for (int64_t k = 0; k < a.c; ++k)
      for (int64_t j = 0; j < b.c; ++j) r(i, j) += a(i, k) * b(k, j);
  return r;
}
Mat scale(Mat a, double s) {
  for (double& x : a.v) x *= s;
  return a;
}
// The lower (or upper) triangle, zeros elsewhere.
Mat tri(const Mat& a, bool lower) {
  Mat r(a.r, a.c);
  for (int64_t i = 0; i < a.r; ++i)
    for (int64_t j = 0; j < a.c; ++j)
      if (lower ? j <= i : j >= i) r(i, j) = a(i, j);
  return r;
}
// Gauss-Jordan with partial pivoting: the inverse and the determinant.
std::pair<Mat, double> inv_det(Mat a) {
  const int64_t n = a.r;
  Mat inv(n, n);
  for (int64_t i = 0; i < n; ++i) inv(i, i) = 1;
  double det = 1;
  for (int64_t c = 0; c < n; ++c) {
    int64_t p = c;
    for (int64_t r = c + 1; r < n; ++r)
      if (std::abs(a(r, c)) > std::abs(a(p, c))) p = r;
    if (p != c) {
      for (int64_t j = 0; j < n; ++j) std::swap(a(c, j), a(p, j)), std::swap(inv(c, j), inv(p, j));
      det = -det;
    }
    const double d = a(c, c);
    det *= d;
    for (int64_t j = 0; j < n; ++j) a(c, j) /= d, inv(c, j) /= d;
    for (int64_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a(r, c);
      for (int64_t j = 0; j < n; ++j) a(r, j) -= f * a(c, j), inv(r, j) -= f * inv(c, j);
    }
  }
  return {inv, det};
}
Mat cholesky(const Mat& a) {
  const int64_t n = a.r;
  Mat l(n, n);
  for (int64_t j = 0; j < n; ++j) {
    double d = a(j, j);
    for (int64_t k = 0; k < j; ++k) d -= l(j, k) * l(j, k);
    l(j, j) = std::sqrt(d);
    for (int64_t i = j + 1; i < n; ++i) {
      double s = a(i, j);
      for (int64_t k = 0; k < j; ++k) s -= l(i, k) * l(j, k);
      l(i, j) = s / l(j, j);
    }
  }
  return l;
}

// Applies f to each matrix of input 0 (and the same batch index of the others); the outputs are concatenated.
Ref per_matrix(const std::vector<Ref>& in, Shape out_shape, const std::function<Mat(const std::vector<Mat>&)>& f) {
  Ref out{std::move(out_shape), {}};
  for (int64_t b = 0; b < batch(in[0].shape); ++b) {
    std::vector<Mat> ms;
    for (const Ref& x : in) ms.push_back(get(x, b));
    Mat y = f(ms);
    out.v.insert(out.v.end(), y.v.begin(), y.v.end());
  }
  return out;
}
Shape with_last2(const Shape& s, int64_t r, int64_t c) {
  Shape o = s;
  o[o.ndim() - 2] = r;
  o[o.ndim() - 1] = c;
  return o;
}
Shape batch_dims(const Shape& s, int extra = 0) {
  Shape o;
  for (int i = 0; i < s.ndim() - 2; ++i) o.push_back(s[i]);
  for (int i = 0; i < extra; ++i) o.push_back(0);
  if (o.ndim() == 0) o.push_back(1);
  return o;
}

// --- gemm / gemm2, with rows along `axis` ---
RefFn gemm_ref(bool mac) {
  return [mac](const std::vector<Ref>& in, const Params& p) {
    const bool ta = flag(p, "transpose_a", false), tb = flag(p, "transpose_b", false);
    const double alpha = num(p, "alpha", 1), beta = num(p, "beta", 1);
    const Shape &as = in[0].shape, &bs = in[1].shape;
    const int nd = as.ndim();
    int64_t ax = std::stoll(param(p, "axis", "-2"));
    if (ax < 0) ax += nd;
    const int a = static_cast<int>(ax);
    const int64_t m = ta ? as[nd - 1] : as[a], k = ta ? as[a] : as[nd - 1], n = tb ? bs[a] : bs[nd - 1];
    Shape os = as;
    os[a] = m;
    os[nd - 1] = n;
    const int64_t outer = as.size(0, a), inner = as.size(a + 1, nd - 1);
    // Element (o, i, q, j) of an array of shape (outer, R, inner, C).
    auto at = [&](const Ref& x, int64_t o, int64_t i, int64_t q, int64_t j) {
      const Shape& s = x.shape;
      return x.v[static_cast<size_t>(((o * s[a] + i) * inner + q) * s[nd - 1] + j)];
    };
    Ref out{os, std::vector<double>(static_cast<size_t>(os.size()))};
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t q = 0; q < inner; ++q)
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (int64_t l = 0; l < k; ++l)
              s += (ta ? at(in[0], o, l, q, i) : at(in[0], o, i, q, l)) *
                   (tb ? at(in[1], o, j, q, l) : at(in[1], o, l, q, j));
            const size_t idx = static_cast<size_t>(((o * m + i) * inner + q) * n + j);
            out.v[idx] = alpha * s + (mac ? beta * in[2].v[idx] : 0.0);
          }
    return std::vector<Ref>{out};
  };
}
const AddCase gemm_nn{{.op = "_linalg_gemm", .params = {{"alpha", "0.7"}, {"beta", "-1.5"}},
                       .shapes = {{2, 3, 4}, {2, 4, 5}, {2, 3, 5}}, .reference = gemm_ref(true), .dtypes = kLinalg,
                       .label = "nn"}};
const AddCase gemm_tt{{.op = "linalg_gemm", .params = {{"transpose_a", "True"}, {"transpose_b", "True"}},
                       .shapes = {{2, 4, 3}, {2, 5, 4}, {2, 3, 5}}, .reference = gemm_ref(true), .dtypes = kLinalg,
                       .label = "tt"}};
const AddCase gemm_axis{{.op = "_linalg_gemm", .params = {{"axis", "0"}, {"transpose_b", "True"}},
                         .shapes = {{3, 2, 4}, {5, 2, 4}, {3, 2, 5}}, .reference = gemm_ref(true), .dtypes = kLinalg,
                         .label = "axis0"}};
const AddCase gemm2_nn{{.op = "_linalg_gemm2", .shapes = {{2, 3, 4}, {2, 4, 5}}, .reference = gemm_ref(false),
                        .dtypes = kLinalg, .label = "nn"}};
const AddCase gemm2_tn{{.op = "linalg_gemm2", .params = {{"transpose_a", "True"}, {"alpha", "2.5"}},
                        .shapes = {{4, 3}, {4, 2}}, .reference = gemm_ref(false), .dtypes = kLinalg, .label = "tn"}};
const AddCase gemm2_axis{{.op = "_linalg_gemm2", .params = {{"axis", "-3"}, {"transpose_a", "True"}},
                          .shapes = {{2, 4, 2, 3}, {2, 4, 2, 5}}, .reference = gemm_ref(false), .dtypes = kLinalg,
                          .label = "axis_minus3"}};

// --- syrk ---
RefFn syrk_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool tr = flag(p, "transpose", false);
    const double alpha = num(p, "alpha", 1);
    const Shape& s = in[0].shape;
    const int64_t n = tr ? cols(s) : rows(s);
    return std::vector<Ref>{per_matrix(in, with_last2(s, n, n), [&](const std::vector<Mat>& m) {
      return scale(tr ? mul(t(m[0]), m[0]) : mul(m[0], t(m[0])), alpha);
    })};
  };
}
const AddCase syrk_n{{.op = "_linalg_syrk", .params = {{"alpha", "1.5"}}, .shapes = {{2, 3, 4}},
                      .reference = syrk_ref(), .dtypes = kLinalg, .label = "n"}};
const AddCase syrk_t{{.op = "linalg_syrk", .params = {{"transpose", "True"}}, .shapes = {{3, 4}},
                      .reference = syrk_ref(), .dtypes = kLinalg, .label = "t"}};

// --- trmm / trsm: only A's triangle counts ---
Mat op_tri(const Mat& a, const Params& p) {
  Mat m = tri(a, flag(p, "lower", true));
  return flag(p, "transpose", false) ? t(m) : m;
}
RefFn trmm_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const double alpha = num(p, "alpha", 1);
    const bool right = flag(p, "rightside", false);
    return std::vector<Ref>{per_matrix(in, in[1].shape, [&](const std::vector<Mat>& m) {
      return scale(right ? mul(m[1], op_tri(m[0], p)) : mul(op_tri(m[0], p), m[1]), alpha);
    })};
  };
}
RefFn trsm_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const double alpha = num(p, "alpha", 1);
    const bool right = flag(p, "rightside", false);
    return std::vector<Ref>{per_matrix(in, in[1].shape, [&](const std::vector<Mat>& m) {
      Mat inv = inv_det(op_tri(m[0], p)).first;
      return scale(right ? mul(m[1], inv) : mul(inv, m[1]), alpha);
    })};
  };
}
// Triangular matrices kept well away from singular: the diagonal moved to [2, 4] or [-4, -2].
void strong_diagonal(std::vector<Ref>& in) {
  const int64_t n = cols(in[0].shape);
  for (int64_t b = 0; b < batch(in[0].shape); ++b)
    for (int64_t i = 0; i < n; ++i) {
      double& d = in[0].v[static_cast<size_t>((b * n + i) * n + i)];
      d = d >= 0 ? d + 3 : d - 3;
    }
}
const AddCase trmm_ll{{.op = "_linalg_trmm", .params = {{"alpha", "0.5"}}, .shapes = {{2, 3, 3}, {2, 3, 4}},
                       .reference = trmm_ref(), .dtypes = kLinalg, .label = "lower_left"}};
const AddCase trmm_ur{{.op = "linalg_trmm",
                       .params = {{"lower", "False"}, {"rightside", "True"}, {"transpose", "True"}},
                       .shapes = {{2, 3, 3}, {2, 4, 3}}, .reference = trmm_ref(), .dtypes = kLinalg,
                       .label = "upper_right_t"}};
const AddCase trmm_lr{{.op = "_linalg_trmm", .params = {{"rightside", "True"}}, .shapes = {{4, 4}, {2, 4}},
                       .reference = trmm_ref(), .dtypes = kLinalg, .label = "lower_right"}};
const AddCase trsm_ll{{.op = "_linalg_trsm", .params = {{"alpha", "2"}}, .shapes = {{2, 3, 3}, {2, 3, 4}},
                       .reference = trsm_ref(), .dtypes = kLinalg, .rtol = 1e-4, .label = "lower_left",
                       .prepare = strong_diagonal}};
const AddCase trsm_ult{{.op = "linalg_trsm", .params = {{"lower", "False"}, {"transpose", "True"}},
                        .shapes = {{2, 3, 3}, {2, 3, 2}}, .reference = trsm_ref(), .dtypes = kLinalg, .rtol = 1e-4,
                        .label = "upper_left_t", .prepare = strong_diagonal}};
const AddCase trsm_lrt{{.op = "_linalg_trsm", .params = {{"rightside", "True"}, {"transpose", "True"}},
                        .shapes = {{2, 3, 3}, {2, 4, 3}}, .reference = trsm_ref(), .dtypes = kLinalg, .rtol = 1e-4,
                        .label = "lower_right_t", .prepare = strong_diagonal}};
const AddCase trsm_ur{{.op = "_linalg_trsm", .params = {{"rightside", "True"}, {"lower", "False"}, {"alpha", "-0.5"}},
                       .shapes = {{3, 3}, {2, 3}}, .reference = trsm_ref(), .dtypes = kLinalg, .rtol = 1e-4,
                       .label = "upper_right", .prepare = strong_diagonal}};

// --- potrf / potri ---
// A = B B^T + n I from the draw: symmetric positive definite and well conditioned.
void make_spd(std::vector<Ref>& in) {
  for (int64_t b = 0; b < batch(in[0].shape); ++b) {
    Mat m = get(in[0], b);
    Mat s = mul(m, t(m));
    for (int64_t i = 0; i < s.r; ++i) s(i, i) += static_cast<double>(s.r);
    put(in[0], b, s);
  }
}
RefFn potrf_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool lower = flag(p, "lower", true);
    return std::vector<Ref>{per_matrix(in, in[0].shape, [&](const std::vector<Mat>& m) {
      // Symmetrised, so that perturbations in any direction agree with the symmetric gradient.
      Mat s = scale(m[0], 0.5);
      Mat st = t(s);
      for (size_t i = 0; i < s.v.size(); ++i) s.v[i] += st.v[i];
      Mat l = cholesky(s);
      return lower ? l : t(l);
    })};
  };
}
RefFn potri_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool lower = flag(p, "lower", true);
    return std::vector<Ref>{per_matrix(in, in[0].shape, [&](const std::vector<Mat>& m) {
      Mat l = tri(m[0], lower);
      return inv_det(lower ? mul(l, t(l)) : mul(t(l), l)).first;
    })};
  };
}
const AddCase potrf_l{{.op = "_linalg_potrf", .shapes = {{2, 3, 3}}, .reference = potrf_ref(), .dtypes = kLinalg,
                       .rtol = 1e-4, .label = "lower", .prepare = make_spd}};
const AddCase potrf_u{{.op = "linalg_potrf", .params = {{"lower", "False"}}, .shapes = {{4, 4}},
                       .reference = potrf_ref(), .dtypes = kLinalg, .rtol = 1e-4, .label = "upper",
                       .prepare = make_spd}};
const AddCase potri_l{{.op = "_linalg_potri", .shapes = {{2, 3, 3}}, .reference = potri_ref(), .dtypes = kLinalg,
                       .rtol = 1e-4, .label = "lower", .prepare = strong_diagonal}};
const AddCase potri_u{{.op = "linalg_potri", .params = {{"lower", "False"}}, .shapes = {{2, 3, 3}},
                       .reference = potri_ref(), .dtypes = kLinalg, .rtol = 1e-4, .label = "upper",
                       .prepare = strong_diagonal}};

// --- det / slogdet / inverse ---
// A + 3 I (entries in [-1, 1]) is well conditioned; the second matrix of a batch gets a negative determinant.
void well_conditioned(std::vector<Ref>& in) {
  const int64_t n = cols(in[0].shape);
  for (int64_t b = 0; b < batch(in[0].shape); ++b) {
    Mat m = get(in[0], b);
    for (int64_t i = 0; i < n; ++i) m(i, i) += 3;
    if (b % 2 == 1)
      for (int64_t j = 0; j < n; ++j) m(0, j) = -m(0, j);
    put(in[0], b, m);
  }
}
RefFn det_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    Ref out{batch_dims(in[0].shape), {}};
    for (int64_t b = 0; b < batch(in[0].shape); ++b) out.v.push_back(inv_det(get(in[0], b)).second);
    return std::vector<Ref>{out};
  };
}
RefFn slogdet_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    Ref d = det_ref()(in, p)[0];
    Ref sign = d, logabs = d;
    for (size_t i = 0; i < d.v.size(); ++i) {
      sign.v[i] = d.v[i] > 0 ? 1.0 : (d.v[i] < 0 ? -1.0 : 0.0);
      logabs.v[i] = std::log(std::abs(d.v[i]));
    }
    return std::vector<Ref>{sign, logabs};
  };
}
RefFn inverse_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    return std::vector<Ref>{per_matrix(in, in[0].shape, [](const std::vector<Mat>& m) { return inv_det(m[0]).first; })};
  };
}
const AddCase det_b{{.op = "_linalg_det", .shapes = {{2, 3, 3}}, .reference = det_ref(), .dtypes = kLinalg,
                     .rtol = 1e-4, .label = "batch", .prepare = well_conditioned}};
const AddCase det_1{{.op = "linalg_det", .shapes = {{4, 4}}, .reference = det_ref(), .dtypes = kLinalg, .rtol = 1e-4,
                     .label = "single", .prepare = well_conditioned}};
const AddCase slogdet_b{{.op = "_linalg_slogdet", .shapes = {{2, 2, 3, 3}}, .reference = slogdet_ref(),
                         .dtypes = kLinalg, .rtol = 1e-4, .prepare = well_conditioned}};
const AddCase inverse_b{{.op = "_linalg_inverse", .shapes = {{2, 3, 3}}, .reference = inverse_ref(),
                         .dtypes = kLinalg, .rtol = 1e-4, .label = "batch", .prepare = well_conditioned}};
const AddCase inverse_1{{.op = "linalg_inverse", .shapes = {{4, 4}}, .reference = inverse_ref(), .dtypes = kLinalg,
                         .rtol = 1e-4, .label = "single", .prepare = well_conditioned}};

// --- sumlogdiag, diagonals and triangles ---
RefFn sumlogdiag_ref() {
  return [](const std::vector<Ref>& in, const Params&) {
    Ref out{batch_dims(in[0].shape), {}};
    for (int64_t b = 0; b < batch(in[0].shape); ++b) {
      Mat m = get(in[0], b);
      double s = 0;
      for (int64_t i = 0; i < m.r; ++i) s += std::log(m(i, i));
      out.v.push_back(s);
    }
    return std::vector<Ref>{out};
  };
}
const AddCase sumlogdiag_b{{.op = "_linalg_sumlogdiag", .shapes = {{2, 3, 3}}, .domain = {{0.5, 2.0}},
                            .reference = sumlogdiag_ref(), .dtypes = kLinalg, .label = "batch"}};
const AddCase sumlogdiag_1{{.op = "linalg_sumlogdiag", .shapes = {{4, 4}}, .domain = {{0.5, 2.0}},
                            .reference = sumlogdiag_ref(), .dtypes = kLinalg, .label = "single"}};

// Positions (row, col) of the diagonal or triangle, in packing order, of an n x n matrix.
std::vector<std::pair<int64_t, int64_t>> band(int64_t n, int64_t offset, bool lower, bool diag) {
  const int64_t len = n - std::abs(offset), r0 = std::max<int64_t>(0, -offset), c0 = std::max<int64_t>(0, offset);
  lower = offset < 0 || (offset == 0 && lower);
  std::vector<std::pair<int64_t, int64_t>> pos;
  for (int64_t i = 0; i < len; ++i)
    for (int64_t j = 0; j < len; ++j)
      if (diag ? i == j : (lower ? j <= i : j >= i)) pos.emplace_back(r0 + i, c0 + j);
  return pos;
}
RefFn extract_ref(bool diag) {
  return [diag](const std::vector<Ref>& in, const Params& p) {
    const int64_t off = std::stoll(param(p, "offset", "0")), n = cols(in[0].shape);
    const auto pos = band(n, off, flag(p, "lower", true), diag);
    Shape os = batch_dims(in[0].shape, 0);
    if (in[0].shape.ndim() == 2) os = Shape();
    os.push_back(static_cast<int64_t>(pos.size()));
    Ref out{os, {}};
    for (int64_t b = 0; b < batch(in[0].shape); ++b) {
      Mat m = get(in[0], b);
      for (auto [i, j] : pos) out.v.push_back(m(i, j));
    }
    return std::vector<Ref>{out};
  };
}
RefFn make_ref(bool diag) {
  return [diag](const std::vector<Ref>& in, const Params& p) {
    const int64_t off = std::stoll(param(p, "offset", "0")), len = in[0].shape[in[0].shape.ndim() - 1];
    int64_t m = len;
    if (!diag)
      while (m * (m + 1) / 2 != len) --m;
    const int64_t n = m + std::abs(off);
    const auto pos = band(n, off, flag(p, "lower", true), diag);
    Shape os;
    for (int i = 0; i < in[0].shape.ndim() - 1; ++i) os.push_back(in[0].shape[i]);
    os.push_back(n);
    os.push_back(n);
    Ref out{os, std::vector<double>(static_cast<size_t>(os.size()), 0.0)};
    const int64_t count = in[0].size() / len;
    for (int64_t b = 0; b < count; ++b)
      for (size_t k = 0; k < pos.size(); ++k)
        out.v[static_cast<size_t>(b * n * n + pos[k].first * n + pos[k].second)] =
            in[0].v[static_cast<size_t>(b * len) + k];
    return std::vector<Ref>{out};
  };
}
const AddCase extractdiag_0{{.op = "_linalg_extractdiag", .shapes = {{2, 3, 3}}, .reference = extract_ref(true),
                             .dtypes = kLinalg, .label = "main"}};
const AddCase extractdiag_1{{.op = "linalg_extractdiag", .params = {{"offset", "1"}}, .shapes = {{4, 4}},
                             .reference = extract_ref(true), .dtypes = kLinalg, .label = "above"}};
const AddCase makediag_0{{.op = "_linalg_makediag", .shapes = {{2, 3}}, .reference = make_ref(true),
                          .dtypes = kLinalg, .label = "main"}};
const AddCase makediag_m1{{.op = "linalg_makediag", .params = {{"offset", "-1"}}, .shapes = {{3}},
                           .reference = make_ref(true), .dtypes = kLinalg, .label = "below"}};
const AddCase extracttrian_l{{.op = "_linalg_extracttrian", .shapes = {{2, 3, 3}}, .reference = extract_ref(false),
                              .dtypes = kLinalg, .label = "lower"}};
const AddCase extracttrian_u{{.op = "linalg_extracttrian", .params = {{"lower", "False"}}, .shapes = {{4, 4}},
                              .reference = extract_ref(false), .dtypes = kLinalg, .label = "upper"}};
const AddCase extracttrian_o{{.op = "_linalg_extracttrian", .params = {{"offset", "-1"}}, .shapes = {{2, 4, 4}},
                              .reference = extract_ref(false), .dtypes = kLinalg, .label = "below"}};
const AddCase maketrian_l{{.op = "_linalg_maketrian", .shapes = {{2, 6}}, .reference = make_ref(false),
                           .dtypes = kLinalg, .label = "lower"}};
const AddCase maketrian_o{{.op = "linalg_maketrian", .params = {{"offset", "1"}}, .shapes = {{3}},
                           .reference = make_ref(false), .dtypes = kLinalg, .label = "above"}};
const AddCase maketrian_u{{.op = "_linalg_maketrian", .params = {{"lower", "False"}}, .shapes = {{2, 2, 3}},
                           .reference = make_ref(false), .dtypes = kLinalg, .label = "upper"}};

// --- the hidden triangle projection ---
RefFn trian_mask_ref() {
  return [](const std::vector<Ref>& in, const Params& p) {
    const bool lower = flag(p, "lower", true);
    const double d = num(p, "diag_scale", 1);
    return std::vector<Ref>{per_matrix(in, in[0].shape, [&](const std::vector<Mat>& m) {
      Mat r = tri(m[0], lower);
      for (int64_t i = 0; i < r.r; ++i) r(i, i) *= d;
      return r;
    })};
  };
}
const AddCase trian_mask_l{{.op = "_backward_linalg_trian", .params = {{"diag_scale", "0.5"}}, .shapes = {{2, 3, 3}},
                            .reference = trian_mask_ref(), .dtypes = kLinalg, .label = "lower"}};
const AddCase trian_mask_u{{.op = "_backward_linalg_trian", .params = {{"lower", "False"}}, .shapes = {{4, 4}},
                            .reference = trian_mask_ref(), .dtypes = kLinalg, .label = "upper"}};

}  // namespace
}  // namespace sn::conformance
