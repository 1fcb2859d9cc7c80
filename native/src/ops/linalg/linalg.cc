// Linear algebra on batches of matrices (MXNet's linalg family): gemm, gemm2, trmm, trsm, syrk, potrf,
// potri, det, slogdet, inverse and the diagonal/triangle helpers. The last two dims hold the matrices
// (gemm/gemm2: `axis` and the last dim), every leading dim is a batch. float32 and float64 only, as in
// MXNet; factorizations accumulate in double.
#include <cmath>
#include <vector>

#include "ops/gradient.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

using LinalgDTypes = DTypeTable<float, double>;

bool infer_linalg_type(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out) {
  if (!infer_same_type(attrs, in, out)) return false;
  if (!LinalgDTypes::contains(static_cast<DType>(out[0])))
    throw_unsupported_dtype(attrs.op->name, static_cast<DType>(out[0]), LinalgDTypes::dtypes);
  return true;
}

const char* flag(bool v) { return v ? "True" : "False"; }
std::string num(double v) { return detail::print_float(v); }
// Parameters that own their text (ParamKV only views it).
using OwnedParams = std::vector<std::pair<std::string, std::string>>;
GradValue apply(GradBuilder& b, std::string_view op, const std::vector<GradValue>& in, const OwnedParams& params) {
  std::vector<ParamKV> kv;
  for (const auto& [k, v] : params) kv.emplace_back(k, v);
  return b.op(op, in, kv);
}

// A batch of matrices: rank >= 2 and, where `square`, n x n.
void check_matrices(const OpDef& op, const Shape& s, const char* arg, bool square) {
  SN_CHECK_SHAPE(s.ndim() >= 2, op.name, ": ", arg, " must have at least 2 dimensions (a batch of matrices), got shape ",
                 s);
  if (square)
    SN_CHECK_SHAPE(s[s.ndim() - 2] == s[s.ndim() - 1], op.name, ": ", arg,
                   " must hold square matrices (last two dimensions equal), got shape ", s);
}
int64_t batch_of(const Shape& s) { return s.size(0, s.ndim() - 2); }
// The leading (batch) dims of a matrix batch; (1,) for a single matrix (legacy: no 0-d arrays).
Shape batch_shape(const Shape& s) {
  Shape r;
  for (int i = 0; i < s.ndim() - 2; ++i) r.push_back(s[i]);
  if (r.ndim() == 0) r.push_back(1);
  return r;
}
// `s` with its last two dims swapped, as transpose's axes.
std::string swap_last_axes(int nd) {
  Shape axes(nd, 0);
  for (int i = 0; i < nd; ++i) axes[i] = i;
  std::swap(axes[nd - 1], axes[nd - 2]);
  return detail::print_int_tuple(axes);
}
GradValue transpose_last(GradBuilder& b, GradValue v, int nd) {
  return b.op("transpose", {v}, {{"axes", swap_last_axes(nd)}});
}
// sym(X) = (X + X^T) / 2 over the last two dims.
GradValue symmetrize(GradBuilder& b, GradValue v, int nd) {
  return b.op("_mul_scalar", {b.op("elemwise_add", {v, transpose_last(b, v, nd)})}, {{"scalar", "0.5"}});
}

// Output = input shape, square matrices (inverse, potrf, potri, the triangle mask).
bool infer_square_same(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known() && out[0].is_known()) merge_input_shape(*attrs.op, in[0], out[0], 0);
  if (!in[0].is_known()) return false;
  check_matrices(*attrs.op, in[0], "A", true);
  merge_shape(*attrs.op, out[0], in[0], "the output");
  return true;
}

// ============================================================================================================
// gemm, gemm2: alpha op(A) op(B) (+ beta C); rows along `axis`, columns along the last dim.

struct GemmParam {
  bool transpose_a = false;
  bool transpose_b = false;
  double alpha = 1.0;
  double beta = 1.0;
  int64_t axis = -2;
  static void describe(ParamBuilder<GemmParam>& b) {
    b.field("transpose_a", &GemmParam::transpose_a, "Multiply with the transpose of A.").set_default(false);
    b.field("transpose_b", &GemmParam::transpose_b, "Multiply with the transpose of B.").set_default(false);
    b.field("alpha", &GemmParam::alpha, "Scalar factor of A*B.").set_default(1.0);
    b.field("beta", &GemmParam::beta, "Scalar factor of C.").set_default(1.0);
    b.field("axis", &GemmParam::axis, "Axis of the matrix rows (the last axis holds the columns).").set_default(-2);
  }
};
struct Gemm2Param {
  bool transpose_a = false;
  bool transpose_b = false;
  double alpha = 1.0;
  int64_t axis = -2;
  static void describe(ParamBuilder<Gemm2Param>& b) {
    b.field("transpose_a", &Gemm2Param::transpose_a, "Multiply with the transpose of A.").set_default(false);
    b.field("transpose_b", &Gemm2Param::transpose_b, "Multiply with the transpose of B.").set_default(false);
    b.field("alpha", &Gemm2Param::alpha, "Scalar factor of A*B.").set_default(1.0);
    b.field("axis", &Gemm2Param::axis, "Axis of the matrix rows (the last axis holds the columns).").set_default(-2);
  }
};

// Matrices of an array with rows along `axis` and columns along the last dim: matrix (o, q) starts at
// o * rows * ld + q * cols, rows are ld apart; o runs over the dims before axis, q over those between.
struct GemmGeom {
  int ax = 0;
  int64_t outer = 1, inner = 1, m = 0, k = 0, n = 0;
  Shape out;
};

GemmGeom gemm_geometry(const OpDef& op, const Shape& a, const Shape& b, bool ta, bool tb, int64_t axis) {
  const int nd = a.ndim();
  SN_CHECK_SHAPE(nd >= 2 && b.ndim() == nd, op.name, ": A and B must have the same rank, at least 2, got shapes ", a,
                 " and ", b);
  const int64_t ax = axis < 0 ? axis + nd : axis;
  SN_CHECK_INDEX(ax >= 0 && ax < nd - 1, op.name, ": axis ", axis, " is out of range for inputs of ", nd,
                 " dimensions (expected ", -nd, " to ", nd - 2, ": the row axis, before the column axis)");
  GemmGeom g;
  g.ax = static_cast<int>(ax);
  for (int i = 0; i < nd - 1; ++i)
    SN_CHECK_SHAPE(i == g.ax || a[i] == b[i], op.name, ": A ", a, " and B ", b,
                   " must agree on every dimension but the row and column axes (dimension ", i, ")");
  const int64_t ka = ta ? a[g.ax] : a[nd - 1], kb = tb ? b[nd - 1] : b[g.ax];
  SN_CHECK_SHAPE(ka == kb, op.name, ": A ", a, " and B ", b, " do not match for a product (", ka, " vs ", kb,
                 " contracted elements", ta || tb ? ", with the transposes given" : "", ")");
  g.m = ta ? a[nd - 1] : a[g.ax];
  g.n = tb ? b[g.ax] : b[nd - 1];
  g.k = ka;
  g.outer = a.size(0, g.ax);
  g.inner = a.size(g.ax + 1, nd - 1);
  g.out = a;
  g.out[g.ax] = g.m;
  g.out[nd - 1] = g.n;
  return g;
}

// c[j] += alpha * sum_p op(A)(i, p) op(B)(p, j) for one output row i; rows of A and B are lda, ldb apart.
template <class T>
void gemm_row(const T* A, int64_t lda, bool ta, const T* B, int64_t ldb, bool tb, int64_t i, int64_t k, int64_t n,
              T alpha, T* c) {
  if (!tb) {
    for (int64_t p = 0; p < k; ++p) {
      const T av = alpha * (ta ? A[p * lda + i] : A[i * lda + p]);
      const T* bp = B + p * ldb;
      for (int64_t j = 0; j < n; ++j) c[j] += av * bp[j];
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      const T* bj = B + j * ldb;
      T s = 0;
      if (ta) {
        for (int64_t p = 0; p < k; ++p) s += A[p * lda + i] * bj[p];
      } else {
        const T* ai = A + i * lda;
        for (int64_t p = 0; p < k; ++p) s += ai[p] * bj[p];
      }
      c[j] += alpha * s;
    }
  }
}

// out = alpha op(A) op(B) + beta C (C null: gemm2). C may be out itself: each row reads its own C row first.
void gemm_kernel_impl(const OpContext& ctx, std::span<const TensorView> in, const TensorView& out, bool ta, bool tb,
                      double alpha, double beta, int64_t axis) {
  const TensorView* c0 = in.size() > 2 ? &in[2] : nullptr;
  const GemmGeom g = gemm_geometry(*ctx.attrs.op, in[0].shape, in[1].shape, ta, tb, axis);
  const int nd = in[0].shape.ndim();
  const int64_t ra = in[0].shape[g.ax], ca = in[0].shape[nd - 1], rb = in[1].shape[g.ax], cb = in[1].shape[nd - 1];
  const int64_t lda = g.inner * ca, ldb = g.inner * cb, ldo = g.inner * g.n;
  dispatch_dtype<LinalgDTypes>(out.dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* a = in[0].ptr<T>();
    const T* b = in[1].ptr<T>();
    const T* c = c0 ? c0->ptr<T>() : nullptr;
    T* o = out.ptr<T>();
    const T al = static_cast<T>(alpha), be = static_cast<T>(beta);
    parallel_for(g.outer * g.inner * g.m, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const int64_t i = r % g.m, q = (r / g.m) % g.inner, oi = r / (g.m * g.inner);
        const T* A = a + oi * ra * lda + q * ca;
        const T* B = b + oi * rb * ldb + q * cb;
        const int64_t orow = oi * g.m * ldo + q * g.n + i * ldo;
        T* crow = o + orow;
        // BLAS: beta = 0 ignores C (NaN there included).
        if (c && be != T(0)) {
          for (int64_t j = 0; j < g.n; ++j) crow[j] = be * c[orow + j];
        } else {
          std::fill(crow, crow + g.n, T(0));
        }
        gemm_row(A, lda, ta, B, ldb, tb, i, g.k, g.n, al, crow);
      }
    }, g.k * g.n);
  });
}

void gemm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<GemmParam>();
  gemm_kernel_impl(ctx, in, out[0], p.transpose_a, p.transpose_b, p.alpha, p.beta, p.axis);
}
void gemm2_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<Gemm2Param>();
  gemm_kernel_impl(ctx, in.first(2), out[0], p.transpose_a, p.transpose_b, p.alpha, 0.0, p.axis);
}

bool infer_gemm(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  const bool mac = in.size() > 2;
  if (mac && !in[2].is_known() && out[0].is_known()) merge_input_shape(*attrs.op, in[2], out[0], 2);
  if (mac && !out[0].is_known() && in[2].is_known()) merge_shape(*attrs.op, out[0], in[2], "the output");
  if (!in[0].is_known() || !in[1].is_known()) return out[0].is_known();
  GemmGeom g = mac ? gemm_geometry(*attrs.op, in[0], in[1], attrs.get<GemmParam>().transpose_a,
                                   attrs.get<GemmParam>().transpose_b, attrs.get<GemmParam>().axis)
                   : gemm_geometry(*attrs.op, in[0], in[1], attrs.get<Gemm2Param>().transpose_a,
                                   attrs.get<Gemm2Param>().transpose_b, attrs.get<Gemm2Param>().axis);
  merge_shape(*attrs.op, out[0], g.out, "the output");
  if (mac) merge_input_shape(*attrs.op, in[2], g.out, 2);
  return true;
}

// Y = alpha A' B' (A' = op(A)): dA' = alpha G B'^T, dB' = alpha A'^T G, with the transposes folded into flags;
// C gets beta G. The same axis throughout: G's matrices lie like A's and B's.
void gemm_grad_impl(GradBuilder& b, bool ta, bool tb, double alpha, int64_t axis) {
  auto mm = [&](GradValue x, GradValue y, bool tx, bool ty) {
    return apply(b, "_linalg_gemm2", {x, y},
                 {{"transpose_a", flag(tx)}, {"transpose_b", flag(ty)}, {"alpha", num(alpha)},
                  {"axis", std::to_string(axis)}});
  };
  GradValue g = b.out_grad(0), A = b.input(0), B = b.input(1);
  b.set_input_grad(0, ta ? mm(B, g, tb, true) : mm(g, B, false, !tb));
  b.set_input_grad(1, tb ? mm(g, A, true, ta) : mm(A, g, !ta, false));
}
void gemm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<GemmParam>();
  gemm_grad_impl(b, p.transpose_a, p.transpose_b, p.alpha, p.axis);
  b.set_input_grad(2, b.op("_mul_scalar", {b.out_grad(0)}, {{"scalar", num(p.beta)}}));
}
void gemm2_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<Gemm2Param>();
  gemm_grad_impl(b, p.transpose_a, p.transpose_b, p.alpha, p.axis);
}

// What every _linalg_ op shares: float32/float64, the output dtype of its inputs, and MXNet's alias without the
// leading underscore (linalg_gemm2).
OpRegistrar linalg_op(const char* name) {
  return OpRegistrar(name)
      .alias(std::string(name).substr(1))
      .dtypes<LinalgDTypes>()
      .outputs({"output"})
      .infer_type(infer_linalg_type);
}

[[maybe_unused]] OpRegistrar r_gemm = linalg_op("_linalg_gemm")
    .describe("alpha * op(A) * op(B) + beta * C per matrix (op: transpose or not; rows along axis, columns "
              "along the last axis, the other axes a batch).")
    .params<GemmParam>()
    .inputs({"A", "B", "C"})
    .inplace({{2, 0}})
    .infer_shape(infer_gemm)
    .kernel(DeviceType::kCPU, gemm_kernel)
    .gradient(gemm_grad, {0, 1});

[[maybe_unused]] OpRegistrar r_gemm2 = linalg_op("_linalg_gemm2")
    .describe("alpha * op(A) * op(B) per matrix (op: transpose or not; rows along axis, columns along the last "
              "axis, the other axes a batch).")
    .params<Gemm2Param>()
    .inputs({"A", "B"})
    .infer_shape(infer_gemm)
    .kernel(DeviceType::kCPU, gemm2_kernel)
    .gradient(gemm2_grad, {0, 1});

// ============================================================================================================
// syrk: alpha A A^T (or alpha A^T A).

struct SyrkParam {
  bool transpose = false;
  double alpha = 1.0;
  static void describe(ParamBuilder<SyrkParam>& b) {
    b.field("transpose", &SyrkParam::transpose, "Compute A^T A instead of A A^T.").set_default(false);
    b.field("alpha", &SyrkParam::alpha, "Scalar factor of the result.").set_default(1.0);
  }
};

bool infer_syrk(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  check_matrices(*attrs.op, in[0], "A", false);
  const int nd = in[0].ndim();
  Shape s = in[0];
  const int64_t n = attrs.get<SyrkParam>().transpose ? s[nd - 1] : s[nd - 2];
  s[nd - 2] = s[nd - 1] = n;
  merge_shape(*attrs.op, out[0], s, "the output");
  return true;
}

void syrk_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<SyrkParam>();
  const Shape& s = in[0].shape;
  const int64_t r = s[s.ndim() - 2], c = s[s.ndim() - 1], n = p.transpose ? c : r, k = p.transpose ? r : c;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* a = in[0].ptr<T>();
    T* o = out[0].ptr<T>();
    parallel_for(batch_of(s) * n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t row = lo; row < hi; ++row) {
        const int64_t bi = row / n, i = row % n;
        T* crow = o + row * n;
        std::fill(crow, crow + n, T(0));
        const T* A = a + bi * r * c;
        gemm_row(A, c, p.transpose, A, c, !p.transpose, i, k, n, static_cast<T>(p.alpha), crow);
      }
    }, k * n);
  });
}

// d(alpha A A^T) = alpha (G + G^T) A; d(alpha A^T A) = alpha A (G + G^T).
void syrk_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<SyrkParam>();
  auto gemm2 = [&](GradValue x, GradValue y, bool ta, bool tb) {
    return b.op("_linalg_gemm2", {x, y}, {{"transpose_a", flag(ta)}, {"transpose_b", flag(tb)}, {"alpha", num(p.alpha)}});
  };
  GradValue g = b.out_grad(0), A = b.input(0);
  GradValue d = p.transpose ? b.op("elemwise_add", {gemm2(A, g, false, false), gemm2(A, g, false, true)})
                            : b.op("elemwise_add", {gemm2(g, A, false, false), gemm2(g, A, true, false)});
  b.set_input_grad(0, d);
}

[[maybe_unused]] OpRegistrar r_syrk = linalg_op("_linalg_syrk")
    .describe("alpha * A * A^T (or alpha * A^T * A with transpose) per matrix of the batch.")
    .params<SyrkParam>()
    .inputs({"A"})
    .infer_shape(infer_syrk)
    .kernel(DeviceType::kCPU, syrk_kernel)
    .gradient(syrk_grad, {0});

// ============================================================================================================
// trmm, trsm: products with and solves against the triangle of A (the other triangle is never read).

struct TriangParam {
  bool transpose = false;
  bool rightside = false;
  bool lower = true;
  double alpha = 1.0;
  static void describe(ParamBuilder<TriangParam>& b) {
    b.field("transpose", &TriangParam::transpose, "Use the transpose of the triangular matrix.").set_default(false);
    b.field("rightside", &TriangParam::rightside, "The triangular matrix multiplies from the right.")
        .set_default(false);
    b.field("lower", &TriangParam::lower, "A is lower triangular (else upper).").set_default(true);
    b.field("alpha", &TriangParam::alpha, "Scalar factor of the result.").set_default(1.0);
  }
};

bool infer_triang(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[1].is_known() && out[0].is_known()) merge_input_shape(*attrs.op, in[1], out[0], 1);
  if (!in[0].is_known() || !in[1].is_known()) return false;
  const OpDef& op = *attrs.op;
  const Shape &a = in[0], &b = in[1];
  check_matrices(op, a, "A", true);
  const int nd = a.ndim();
  SN_CHECK_SHAPE(b.ndim() == nd, op.name, ": A ", a, " and B ", b, " must have the same rank");
  for (int i = 0; i < nd - 2; ++i)
    SN_CHECK_SHAPE(a[i] == b[i], op.name, ": A ", a, " and B ", b, " must agree on the batch dimensions (dimension ",
                   i, ")");
  const bool right = attrs.get<TriangParam>().rightside;
  const int64_t nb = right ? b[nd - 1] : b[nd - 2];
  SN_CHECK_SHAPE(nb == a[nd - 1], op.name, ": B ", b, " does not fit the ", a[nd - 1], " x ", a[nd - 1],
                 " triangular matrices of A (expected ", right ? "columns" : "rows", " = ", a[nd - 1], ", got ", nb,
                 ")");
  merge_shape(op, out[0], b, "the output");
  return true;
}

// M = op(A) restricted to A's triangle: M(i, p) for (i, p) inside M's triangle (lower iff lower != transpose).
template <class T>
struct TriView {
  const T* a;
  int64_t n;
  bool transpose;
  T operator()(int64_t i, int64_t p) const { return transpose ? a[p * n + i] : a[i * n + p]; }
};

void trmm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<TriangParam>();
  const Shape& bs = in[1].shape;
  const int nd = bs.ndim();
  const int64_t n = in[0].shape[nd - 1], rows = bs[nd - 2], cols = bs[nd - 1];
  const bool lowm = p.lower != p.transpose;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T al = static_cast<T>(p.alpha);
    parallel_for(batch_of(bs) * rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const int64_t bi = r / rows, i = r % rows;
        const TriView<T> M{in[0].ptr<T>() + bi * n * n, n, p.transpose};
        const T* B = in[1].ptr<T>() + bi * rows * cols;
        T* o = out[0].ptr<T>() + r * cols;
        std::fill(o, o + cols, T(0));
        if (!p.rightside) {  // o = alpha sum_q M(i, q) B(q, :), q inside the triangle
          const int64_t q0 = lowm ? 0 : i, q1 = lowm ? i + 1 : n;
          for (int64_t q = q0; q < q1; ++q) {
            const T m = al * M(i, q);
            const T* bq = B + q * cols;
            for (int64_t j = 0; j < cols; ++j) o[j] += m * bq[j];
          }
        } else {  // o = alpha sum_q B(i, q) M(q, :), M(q, j) inside the triangle
          for (int64_t q = 0; q < n; ++q) {
            const T bq = al * B[i * cols + q];
            const int64_t j0 = lowm ? 0 : q, j1 = lowm ? q + 1 : n;
            for (int64_t j = j0; j < j1; ++j) o[j] += bq * M(q, j);
          }
        }
      }
    }, n * cols);
  });
}

// Solves op(T) X = alpha B (or X op(T) = alpha B) by substitution, in double. B may be out itself: each
// element of B is read before its X is written, and only finished X elements are read back.
void trsm_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<TriangParam>();
  const Shape& bs = in[1].shape;
  const int nd = bs.ndim();
  const int64_t n = in[0].shape[nd - 1], rows = bs[nd - 2], cols = bs[nd - 1];
  const bool lowm = p.lower != p.transpose;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    if (!p.rightside) {  // per matrix: rows of X in order of the triangle
      parallel_for(batch_of(bs), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        std::vector<double> s(static_cast<size_t>(cols));
        for (int64_t bi = lo; bi < hi; ++bi) {
          const TriView<T> M{in[0].ptr<T>() + bi * n * n, n, p.transpose};
          const T* B = in[1].ptr<T>() + bi * rows * cols;
          T* X = out[0].ptr<T>() + bi * rows * cols;
          for (int64_t t = 0; t < n; ++t) {
            const int64_t i = lowm ? t : n - 1 - t;
            for (int64_t j = 0; j < cols; ++j) s[static_cast<size_t>(j)] = p.alpha * static_cast<double>(B[i * cols + j]);
            const int64_t q0 = lowm ? 0 : i + 1, q1 = lowm ? i : n;
            for (int64_t q = q0; q < q1; ++q) {
              const double m = static_cast<double>(M(i, q));
              const T* xq = X + q * cols;
              for (int64_t j = 0; j < cols; ++j) s[static_cast<size_t>(j)] -= m * static_cast<double>(xq[j]);
            }
            const double d = static_cast<double>(M(i, i));
            for (int64_t j = 0; j < cols; ++j) X[i * cols + j] = static_cast<T>(s[static_cast<size_t>(j)] / d);
          }
        }
      }, n * n * cols);
    } else {  // per row x of X: x M = alpha b, columns of x in order of the triangle
      parallel_for(batch_of(bs) * rows, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
        for (int64_t r = lo; r < hi; ++r) {
          const int64_t bi = r / rows;
          const TriView<T> M{in[0].ptr<T>() + bi * n * n, n, p.transpose};
          const T* b = in[1].ptr<T>() + r * cols;
          T* x = out[0].ptr<T>() + r * cols;
          for (int64_t t = 0; t < n; ++t) {
            const int64_t j = lowm ? n - 1 - t : t;
            double s = p.alpha * static_cast<double>(b[j]);
            const int64_t i0 = lowm ? j + 1 : 0, i1 = lowm ? n : j;
            for (int64_t i = i0; i < i1; ++i) s -= static_cast<double>(x[i]) * static_cast<double>(M(i, j));
            x[j] = static_cast<T>(s / static_cast<double>(M(j, j)));
          }
        }
      }, n * n);
    }
  });
}

OwnedParams trian_params(bool lower, double diag_scale = 1.0) {
  return {{"lower", flag(lower)}, {"diag_scale", num(diag_scale)}};
}
OwnedParams triang_params(bool transpose, bool rightside, bool lower, double alpha) {
  return {{"transpose", flag(transpose)}, {"rightside", flag(rightside)}, {"lower", flag(lower)}, {"alpha", num(alpha)}};
}
GradValue gemm2(GradBuilder& b, GradValue x, GradValue y, bool ta, bool tb, double alpha = 1.0) {
  return b.op("_linalg_gemm2", {x, y}, {{"transpose_a", flag(ta)}, {"transpose_b", flag(tb)}, {"alpha", num(alpha)}});
}

// Y = alpha T' B (left) or alpha B T' (right), T' = op(tri(A)): dB = alpha T'^T G (or alpha G T'^T), and
// dT' = alpha G B^T (or alpha B^T G), transposed back when op transposes, kept to A's triangle.
void trmm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<TriangParam>();
  GradValue g = b.out_grad(0), A = b.input(0), B = b.input(1);
  b.set_input_grad(1, apply(b, "_linalg_trmm", {A, g}, triang_params(!p.transpose, p.rightside, p.lower, p.alpha)));
  GradValue dt = !p.rightside ? (p.transpose ? gemm2(b, B, g, false, true, p.alpha) : gemm2(b, g, B, false, true, p.alpha))
                              : (p.transpose ? gemm2(b, g, B, true, false, p.alpha) : gemm2(b, B, g, true, false, p.alpha));
  b.set_input_grad(0, apply(b, "_backward_linalg_trian", {dt}, trian_params(p.lower)));
}

// Y = alpha T'^{-1} B (left): with Z = T'^{-T} G, dB = alpha Z and dT' = -Z Y^T. Right, Y = alpha B T'^{-1}:
// Z = G T'^{-T}, dB = alpha Z, dT' = -Y^T Z. Transposed back when op transposes, kept to A's triangle.
void trsm_grad(GradBuilder& b) {
  const auto& p = b.attrs().get<TriangParam>();
  GradValue g = b.out_grad(0), A = b.input(0), Y = b.output(0);
  GradValue z = apply(b, "_linalg_trsm", {A, g}, triang_params(!p.transpose, p.rightside, p.lower, 1.0));
  b.set_input_grad(1, p.alpha == 1.0 ? z : b.op("_mul_scalar", {z}, {{"scalar", num(p.alpha)}}));
  GradValue dt = !p.rightside ? (p.transpose ? gemm2(b, Y, z, false, true, -1.0) : gemm2(b, z, Y, false, true, -1.0))
                              : (p.transpose ? gemm2(b, z, Y, true, false, -1.0) : gemm2(b, Y, z, true, false, -1.0));
  b.set_input_grad(0, apply(b, "_backward_linalg_trian", {dt}, trian_params(p.lower)));
}

[[maybe_unused]] OpRegistrar r_trmm = linalg_op("_linalg_trmm")
    .describe("alpha * op(A) * B (or alpha * B * op(A) with rightside) per matrix, A triangular (only its "
              "lower, or upper, triangle is read).")
    .params<TriangParam>()
    .inputs({"A", "B"})
    .infer_shape(infer_triang)
    .kernel(DeviceType::kCPU, trmm_kernel)
    .gradient(trmm_grad, {0, 1});

[[maybe_unused]] OpRegistrar r_trsm = linalg_op("_linalg_trsm")
    .describe("Solves op(A) * X = alpha * B (or X * op(A) = alpha * B with rightside) per matrix, A triangular "
              "(only its lower, or upper, triangle is read).")
    .params<TriangParam>()
    .inputs({"A", "B"})
    .inplace({{1, 0}})
    .infer_shape(infer_triang)
    .kernel(DeviceType::kCPU, trsm_kernel)
    .gradient(trsm_grad, {0}, {0});

// ============================================================================================================
// The hidden triangle projection the triangular ops' gradients use: keeps one triangle, scales the diagonal.

struct TrianMaskParam {
  bool lower = true;
  double diag_scale = 1.0;
  static void describe(ParamBuilder<TrianMaskParam>& b) {
    b.field("lower", &TrianMaskParam::lower, "Keep the lower triangle (else the upper).").set_default(true);
    b.field("diag_scale", &TrianMaskParam::diag_scale, "Factor applied to the diagonal.").set_default(1.0);
  }
};

void trian_mask_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const auto& p = ctx.params<TrianMaskParam>();
  const Shape& s = in[0].shape;
  const int64_t n = s[s.ndim() - 1];
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    const T d = static_cast<T>(p.diag_scale);
    parallel_for(batch_of(s) * n, ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        const int64_t i = r % n;
        for (int64_t j = 0; j < n; ++j) {
          const T v = x[r * n + j];
          y[r * n + j] = j == i ? d * v : ((j < i) == p.lower ? v : T(0));
        }
      }
    }, n);
  });
}

void trian_mask_grad(GradBuilder& b) {  // a self-adjoint projection
  const auto& p = b.attrs().get<TrianMaskParam>();
  b.set_input_grad(0, apply(b, "_backward_linalg_trian", {b.out_grad(0)}, trian_params(p.lower, p.diag_scale)));
}

[[maybe_unused]] OpRegistrar r_trian_mask = OpRegistrar("_backward_linalg_trian")
    .describe("Keeps the lower (or upper) triangle of each matrix, the diagonal scaled by diag_scale, zeros "
              "elsewhere (used by the gradients of the triangular ops).")
    .params<TrianMaskParam>()
    .dtypes<LinalgDTypes>()
    .inputs({"A"})
    .outputs({"output"})
    .inplace({{0, 0}})
    .infer_shape(infer_square_same)
    .infer_type(infer_linalg_type)
    .kernel(DeviceType::kCPU, trian_mask_kernel)
    .gradient(trian_mask_grad);

// ============================================================================================================
// potrf, potri: Cholesky factor and the inverse from it.

struct CholeskyParam {
  bool lower = true;
  static void describe(ParamBuilder<CholeskyParam>& b) {
    b.field("lower", &CholeskyParam::lower, "The triangular factor is lower triangular (else upper).")
        .set_default(true);
  }
};

// A = L L^T (or A = U^T U: U = L^T), of sym(A) (Note [potrf reads sym(A)]).
void potrf_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const bool lower = ctx.params<CholeskyParam>().lower;
  const Shape& s = in[0].shape;
  const int64_t n = s[s.ndim() - 1];
  const std::string& name = ctx.attrs.op->name;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, name, [&]<class T>() {
    parallel_for(batch_of(s), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::vector<double> L(static_cast<size_t>(n * n));
      for (int64_t bi = lo; bi < hi; ++bi) {
        const T* a = in[0].ptr<T>() + bi * n * n;
        // Note [potrf reads sym(A)]: (A + A^T) / 2, which is A for the symmetric inputs it is defined on. Its
        // gradient is symmetric (as MXNet's), so the op must be a function of sym(A) for the gradient to be
        // its true derivative at every order; MXNet reads one triangle only, equal for symmetric A.
        auto S = [&](int64_t i, int64_t j) {
          return 0.5 * (static_cast<double>(a[i * n + j]) + static_cast<double>(a[j * n + i]));
        };
        for (int64_t j = 0; j < n; ++j) {
          double d = S(j, j);
          for (int64_t q = 0; q < j; ++q) d -= L[static_cast<size_t>(j * n + q)] * L[static_cast<size_t>(j * n + q)];
          SN_CHECK(d > 0, name, ": matrix ", bi, " of A is not positive definite (pivot ", j, " is ", d,
                   "; expected a symmetric positive definite matrix)");
          const double ljj = std::sqrt(d);
          L[static_cast<size_t>(j * n + j)] = ljj;
          for (int64_t i = j + 1; i < n; ++i) {
            double v = S(i, j);
            for (int64_t q = 0; q < j; ++q) v -= L[static_cast<size_t>(i * n + q)] * L[static_cast<size_t>(j * n + q)];
            L[static_cast<size_t>(i * n + j)] = v / ljj;
          }
        }
        T* o = out[0].ptr<T>() + bi * n * n;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const int64_t r = lower ? i : j, c = lower ? j : i;  // U = L^T
            o[i * n + j] = c <= r ? static_cast<T>(L[static_cast<size_t>(r * n + c)]) : T(0);
          }
      }
    }, n * n * n);
  });
}

// L Phi(L^T dL) L^{-1} pulled back (Phi: lower triangle, diagonal halved), symmetrised: dA is symmetric, as A.
// Upper: U^{-1} Phi_upper(dU U^T) U^{-T}, symmetrised.
void potrf_grad(GradBuilder& b) {
  const bool lower = b.attrs().get<CholeskyParam>().lower;
  const int nd = b.known_input_shape(0).ndim();
  GradValue g = b.out_grad(0), L = b.output(0);
  GradValue P = lower ? gemm2(b, L, g, true, false) : gemm2(b, g, L, false, true);
  GradValue Q = apply(b, "_backward_linalg_trian", {P}, trian_params(lower, 0.5));
  GradValue R = apply(b, "_linalg_trsm", {L, Q}, triang_params(lower, false, lower, 1.0));
  GradValue S = apply(b, "_linalg_trsm", {L, R}, triang_params(!lower, true, lower, 1.0));
  b.set_input_grad(0, symmetrize(b, S, nd));
}

// (L L^T)^{-1} = L^{-T} L^{-1} from A's lower triangle L (upper: (U^T U)^{-1}, the same with L = U^T).
void potri_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const bool lower = ctx.params<CholeskyParam>().lower;
  const Shape& s = in[0].shape;
  const int64_t n = s[s.ndim() - 1];
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    parallel_for(batch_of(s), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      std::vector<double> W(static_cast<size_t>(n * n));  // L^{-1}, lower
      auto w = [&](int64_t i, int64_t j) -> double& { return W[static_cast<size_t>(i * n + j)]; };
      for (int64_t bi = lo; bi < hi; ++bi) {
        const T* a = in[0].ptr<T>() + bi * n * n;
        auto L = [&](int64_t i, int64_t j) { return static_cast<double>(lower ? a[i * n + j] : a[j * n + i]); };
        for (int64_t j = 0; j < n; ++j) {
          w(j, j) = 1.0 / L(j, j);
          for (int64_t i = j + 1; i < n; ++i) {
            double v = 0;
            for (int64_t q = j; q < i; ++q) v += L(i, q) * w(q, j);
            w(i, j) = -v / L(i, i);
          }
        }
        T* o = out[0].ptr<T>() + bi * n * n;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j <= i; ++j) {
            double v = 0;
            for (int64_t q = i; q < n; ++q) v += w(q, i) * w(q, j);
            o[i * n + j] = o[j * n + i] = static_cast<T>(v);
          }
      }
    }, n * n * n);
  });
}

// Y = (L L^T)^{-1}: dL = -tril(Y (G + G^T) L^{-T}); upper: dU = -triu(U^{-T} (G + G^T) Y).
void potri_grad(GradBuilder& b) {
  const bool lower = b.attrs().get<CholeskyParam>().lower;
  const int nd = b.known_input_shape(0).ndim();
  GradValue g = b.out_grad(0), A = b.input(0), Y = b.output(0);
  GradValue S = b.op("elemwise_add", {g, transpose_last(b, g, nd)});
  GradValue T1 = apply(b, "_linalg_trsm", {A, S}, triang_params(true, lower, lower, 1.0));
  GradValue T2 = lower ? gemm2(b, Y, T1, false, false, -1.0) : gemm2(b, T1, Y, false, false, -1.0);
  b.set_input_grad(0, apply(b, "_backward_linalg_trian", {T2}, trian_params(lower)));
}

[[maybe_unused]] OpRegistrar r_potrf = linalg_op("_linalg_potrf")
    .describe("Cholesky factor of each symmetric positive definite matrix: L with A = L L^T (or U with A = U^T U); "
              "A is taken as (A + A^T) / 2, itself when symmetric. A matrix that is not positive definite is an error.")
    .params<CholeskyParam>()
    .inputs({"A"})
    .inplace({{0, 0}})
    .infer_shape(infer_square_same)
    .kernel(DeviceType::kCPU, potrf_kernel)
    .gradient(potrf_grad, {}, {0});

[[maybe_unused]] OpRegistrar r_potri = linalg_op("_linalg_potri")
    .describe("Inverse of A A^T (or A^T A with lower=False) from its triangular Cholesky factor A; only that "
              "triangle of A is read.")
    .params<CholeskyParam>()
    .inputs({"A"})
    .inplace({{0, 0}})
    .infer_shape(infer_square_same)
    .kernel(DeviceType::kCPU, potri_kernel)
    .gradient(potri_grad, {0}, {0});

// ============================================================================================================
// det, slogdet, inverse: LU with partial pivoting, in double.

// Factors one n x n matrix in place (row-major, P A = L U, unit L below the diagonal); perm[i] is the row of
// A that row i of the factors came from. Returns the permutation's sign, or 0 when a pivot is exactly zero.
int lu_factor(std::vector<double>& U, std::vector<int64_t>& perm, int64_t n) {
  auto u = [&](int64_t i, int64_t j) -> double& { return U[static_cast<size_t>(i * n + j)]; };
  int sign = 1;
  bool singular = false;
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  for (int64_t c = 0; c < n; ++c) {
    int64_t piv = c;
    for (int64_t r = c + 1; r < n; ++r)
      if (std::abs(u(r, c)) > std::abs(u(piv, c))) piv = r;
    if (piv != c) {
      for (int64_t j = 0; j < n; ++j) std::swap(u(c, j), u(piv, j));
      std::swap(perm[static_cast<size_t>(c)], perm[static_cast<size_t>(piv)]);
      sign = -sign;
    }
    if (u(c, c) == 0) {
      singular = true;
      continue;
    }
    for (int64_t r = c + 1; r < n; ++r) {
      const double f = u(r, c) / u(c, c);
      u(r, c) = f;
      for (int64_t j = c + 1; j < n; ++j) u(r, j) -= f * u(c, j);
    }
  }
  return singular ? 0 : sign;
}

// Runs f(batch index, LU factors, perm, sign) for each matrix of in[0].
template <class T, class F>
void for_each_lu(const OpContext& ctx, const TensorView& a, F f) {
  const Shape& s = a.shape;
  const int64_t n = s[s.ndim() - 1];
  parallel_for(batch_of(s), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
    std::vector<double> U(static_cast<size_t>(n * n));
    std::vector<int64_t> perm(static_cast<size_t>(n));
    for (int64_t bi = lo; bi < hi; ++bi) {
      const T* x = a.ptr<T>() + bi * n * n;
      for (int64_t k = 0; k < n * n; ++k) U[static_cast<size_t>(k)] = static_cast<double>(x[k]);
      const int sign = lu_factor(U, perm, n);
      f(bi, U, perm, sign);
    }
  }, n * n * n);
}

bool infer_det(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  check_matrices(*attrs.op, in[0], "A", true);
  for (auto& o : out) merge_shape(*attrs.op, o, batch_shape(in[0]), "the output");
  return true;
}

void det_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t n = in[0].shape[in[0].shape.ndim() - 1];
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    for_each_lu<T>(ctx, in[0], [&](int64_t bi, const std::vector<double>& U, const std::vector<int64_t>&, int sign) {
      double d = sign;
      for (int64_t i = 0; i < n && sign != 0; ++i) d *= U[static_cast<size_t>(i * n + i)];
      out[0].ptr<T>()[bi] = static_cast<T>(d);
    });
  });
}

// sign(det A) and log|det A| (a singular matrix: 0 and -inf).
void slogdet_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t n = in[0].shape[in[0].shape.ndim() - 1];
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    for_each_lu<T>(ctx, in[0], [&](int64_t bi, const std::vector<double>& U, const std::vector<int64_t>&, int sign) {
      double sg = sign, logabs = sign == 0 ? -INFINITY : 0.0;
      for (int64_t i = 0; i < n && sign != 0; ++i) {
        const double d = U[static_cast<size_t>(i * n + i)];
        if (d < 0) sg = -sg;
        logabs += std::log(std::abs(d));
      }
      out[0].ptr<T>()[bi] = static_cast<T>(sg);
      out[1].ptr<T>()[bi] = static_cast<T>(logabs);
    });
  });
}

// A^{-1} = U^{-1} L^{-1} P, row by row.
void inverse_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const int64_t n = in[0].shape[in[0].shape.ndim() - 1];
  const std::string& name = ctx.attrs.op->name;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, name, [&]<class T>() {
    for_each_lu<T>(ctx, in[0], [&](int64_t bi, const std::vector<double>& U, const std::vector<int64_t>& perm,
                                   int sign) {
      SN_CHECK(sign != 0, name, ": matrix ", bi, " of A is singular (expected an invertible matrix)");
      std::vector<double> X(static_cast<size_t>(n * n), 0.0);
      auto x = [&](int64_t i, int64_t j) -> double& { return X[static_cast<size_t>(i * n + j)]; };
      auto u = [&](int64_t i, int64_t j) { return U[static_cast<size_t>(i * n + j)]; };
      for (int64_t i = 0; i < n; ++i) x(i, perm[static_cast<size_t>(i)]) = 1.0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t q = 0; q < i; ++q)
          for (int64_t j = 0; j < n; ++j) x(i, j) -= u(i, q) * x(q, j);
      for (int64_t i = n - 1; i >= 0; --i) {
        for (int64_t q = i + 1; q < n; ++q)
          for (int64_t j = 0; j < n; ++j) x(i, j) -= u(i, q) * x(q, j);
        for (int64_t j = 0; j < n; ++j) x(i, j) /= u(i, i);
      }
      T* o = out[0].ptr<T>() + bi * n * n;
      for (int64_t k = 0; k < n * n; ++k) o[k] = static_cast<T>(X[static_cast<size_t>(k)]);
    });
  });
}

// The output gradient of a per-matrix scalar, shaped to broadcast over the matrices: batch + (1, 1).
GradValue per_matrix(GradBuilder& b, GradValue v, const Shape& a, int trailing_ones) {
  Shape s;
  for (int i = 0; i < a.ndim() - 2; ++i) s.push_back(a[i]);
  for (int i = 0; i < trailing_ones; ++i) s.push_back(1);
  return b.op("Reshape", {v}, {{"shape", detail::print_int_tuple(s)}});
}

// d det(A) = det(A) A^{-T}; d log|det A| = A^{-T}; sign has no gradient.
void det_grad(GradBuilder& b) {
  const Shape a = b.known_input_shape(0);
  const bool is_det = b.attrs().op->name == "_linalg_det";
  GradValue inv_t = transpose_last(b, b.op("_linalg_inverse", {b.input(0)}), a.ndim());
  GradValue g = is_det ? b.op("elemwise_mul", {b.out_grad(0), b.output(0)}) : b.out_grad(1);
  b.set_input_grad(0, b.op("broadcast_mul", {per_matrix(b, g, a, 2), inv_t}));
}

// dA = -Y^T G Y^T.
void inverse_grad(GradBuilder& b) {
  GradValue Y = b.output(0);
  b.set_input_grad(0, gemm2(b, gemm2(b, Y, b.out_grad(0), true, false), Y, false, true, -1.0));
}

[[maybe_unused]] OpRegistrar r_det = linalg_op("_linalg_det")
    .describe("Determinant of each square matrix (LU with partial pivoting); shape: the batch dims, (1,) for one "
              "matrix.")
    .inputs({"A"})
    .infer_shape(infer_det)
    .kernel(DeviceType::kCPU, det_kernel)
    .gradient(det_grad, {0}, {0});

[[maybe_unused]] OpRegistrar r_slogdet = linalg_op("_linalg_slogdet")
    .describe("Sign and natural log of the absolute determinant of each square matrix (0 and -inf when "
              "singular).")
    .inputs({"A"})
    .outputs({"sign", "logabsdet"})
    .infer_shape(infer_det)
    .kernel(DeviceType::kCPU, slogdet_kernel)
    .gradient(det_grad, {0});

[[maybe_unused]] OpRegistrar r_inverse = linalg_op("_linalg_inverse")
    .describe("Inverse of each square matrix (LU with partial pivoting); a singular matrix is an error.")
    .inputs({"A"})
    .inplace({{0, 0}})
    .infer_shape(infer_square_same)
    .kernel(DeviceType::kCPU, inverse_kernel)
    .gradient(inverse_grad, {}, {0});

// ============================================================================================================
// sumlogdiag, extractdiag, makediag, extracttrian, maketrian.

void sumlogdiag_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const Shape& s = in[0].shape;
  const int64_t n = s[s.ndim() - 1];
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* a = in[0].ptr<T>();
    T* o = out[0].ptr<T>();
    parallel_for(batch_of(s), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t bi = lo; bi < hi; ++bi) {
        T v = 0;
        for (int64_t i = 0; i < n; ++i) v += std::log(a[bi * n * n + i * n + i]);
        o[bi] = v;
      }
    }, n * 8);
  });
}

// dA = diag(G / diag(A)).
void sumlogdiag_grad(GradBuilder& b) {
  const Shape a = b.known_input_shape(0);
  GradValue d = b.op("_linalg_extractdiag", {b.input(0)});
  GradValue q = b.op("broadcast_div", {per_matrix(b, b.out_grad(0), a, 1), d});
  b.set_input_grad(0, b.op("_linalg_makediag", {q}));
}

[[maybe_unused]] OpRegistrar r_sumlogdiag = linalg_op("_linalg_sumlogdiag")
    .describe("Sum of the natural logs of the diagonal of each square matrix; shape: the batch dims, (1,) for one "
              "matrix.")
    .inputs({"A"})
    .infer_shape(infer_det)
    .kernel(DeviceType::kCPU, sumlogdiag_kernel)
    .gradient(sumlogdiag_grad, {0});

struct DiagParam {
  int64_t offset = 0;
  static void describe(ParamBuilder<DiagParam>& b) {
    b.field("offset", &DiagParam::offset, "Diagonal versus the main one: negative below, positive above.")
        .set_default(0);
  }
};
struct TrianParam {
  int64_t offset = 0;
  bool lower = true;
  static void describe(ParamBuilder<TrianParam>& b) {
    b.field("offset", &TrianParam::offset,
            "Diagonal bounding the triangle: 0 the main one, negative below (a lower triangle), positive above (an "
            "upper one).")
        .set_default(0);
    b.field("lower", &TrianParam::lower, "With offset 0: the lower triangle (else the upper).").set_default(true);
  }
};

// The rows/cols of the diagonal or triangle within an n x n matrix: n' = n - |offset| rows starting at row0, col0.
struct Band {
  int64_t len, row0, col0;
  bool lower;
};
Band band(int64_t n, int64_t offset, bool lower) {
  return {n - std::abs(offset), std::max<int64_t>(0, -offset), std::max<int64_t>(0, offset),
          offset < 0 || (offset == 0 && lower)};
}
int64_t offset_of(const OpAttrs& attrs) {
  return attrs.op->name.find("diag") != std::string::npos ? attrs.get<DiagParam>().offset : attrs.get<TrianParam>().offset;
}
bool lower_of(const OpAttrs& attrs) {
  return attrs.op->name.find("diag") != std::string::npos || attrs.get<TrianParam>().lower;
}

bool infer_extract(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const OpDef& op = *attrs.op;
  check_matrices(op, in[0], "A", true);
  const int nd = in[0].ndim();
  const int64_t offset = offset_of(attrs), n = in[0][nd - 1], len = n - std::abs(offset);
  SN_CHECK_SHAPE(len > 0, op.name, ": offset ", offset, " leaves nothing of ", n, " x ", n,
                 " matrices (expected |offset| < ", n, ")");
  Shape s;
  for (int i = 0; i < nd - 2; ++i) s.push_back(in[0][i]);
  s.push_back(op.name.find("diag") != std::string::npos ? len : len * (len + 1) / 2);
  merge_shape(op, out[0], s, "the output");
  return true;
}

bool infer_make(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out) {
  if (!in[0].is_known()) return false;
  const OpDef& op = *attrs.op;
  const Shape& a = in[0];
  SN_CHECK_SHAPE(a.ndim() >= 1, op.name, ": A must have at least 1 dimension, got shape ", a);
  const int nd = a.ndim();
  int64_t len = a[nd - 1];
  if (op.name.find("trian") != std::string::npos) {
    const auto m = static_cast<int64_t>(std::floor(0.5 + (std::sqrt(8.0 * static_cast<double>(len) + 1.0) - 1.0) * 0.5));
    SN_CHECK_SHAPE(m * (m + 1) / 2 == len, op.name, ": the last dimension of A must hold a triangle, m (m + 1) / 2 "
                   "elements, got ", len, " (shape ", a, ")");
    len = m;
  }
  const int64_t n = len + std::abs(offset_of(attrs));
  Shape s;
  for (int i = 0; i < nd - 1; ++i) s.push_back(a[i]);
  s.push_back(n);
  s.push_back(n);
  merge_shape(op, out[0], s, "the output");
  return true;
}

// Calls f(index within the matrix, index within the packed vector) for each element of the band.
template <class F>
void for_each_band(int64_t n, const Band& bd, bool diag, F f) {
  int64_t k = 0;
  for (int64_t i = 0; i < bd.len; ++i) {
    const int64_t j0 = diag ? i : (bd.lower ? 0 : i), j1 = diag ? i + 1 : (bd.lower ? i + 1 : bd.len);
    for (int64_t j = j0; j < j1; ++j) f((bd.row0 + i) * n + bd.col0 + j, k++);
  }
}

// extract: out[k] = A[band k]; make: out = 0, out[band k] = A[k].
template <bool Extract>
void band_kernel(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out) {
  const bool diag = ctx.attrs.op->name.find("diag") != std::string::npos;
  const Shape& ms = Extract ? in[0].shape : out[0].shape;
  const int64_t n = ms[ms.ndim() - 1];
  const Band bd = band(n, offset_of(ctx.attrs), lower_of(ctx.attrs));
  const int64_t packed = diag ? bd.len : bd.len * (bd.len + 1) / 2;
  dispatch_dtype<LinalgDTypes>(out[0].dtype, ctx.attrs.op->name, [&]<class T>() {
    const T* x = in[0].ptr<T>();
    T* y = out[0].ptr<T>();
    parallel_for(batch_of(ms), ctx.run.num_threads, [&](int64_t lo, int64_t hi) {
      for (int64_t bi = lo; bi < hi; ++bi) {
        T* ym = y + bi * (Extract ? packed : n * n);
        const T* xm = x + bi * (Extract ? n * n : packed);
        if constexpr (Extract) {
          for_each_band(n, bd, diag, [&](int64_t m, int64_t k) { ym[k] = xm[m]; });
        } else {
          std::fill(ym, ym + n * n, T(0));
          for_each_band(n, bd, diag, [&](int64_t m, int64_t k) { ym[m] = xm[k]; });
        }
      }
    }, n * n);
  });
}

// Extraction and construction are each other's adjoints (same offset and triangle).
void band_grad(GradBuilder& b) {
  const std::string& name = b.attrs().op->name;
  const bool diag = name.find("diag") != std::string::npos, extract = name.find("extract") != std::string::npos;
  OwnedParams params = {{"offset", std::to_string(offset_of(b.attrs()))}};
  if (!diag) params.emplace_back("lower", flag(lower_of(b.attrs())));
  const std::string other = std::string("_linalg_") + (extract ? "make" : "extract") + (diag ? "diag" : "trian");
  b.set_input_grad(0, apply(b, other, {b.out_grad(0)}, params));
}

[[maybe_unused]] OpRegistrar r_extractdiag = linalg_op("_linalg_extractdiag")
    .describe("The diagonal (offset: below or above the main one) of each square matrix.")
    .params<DiagParam>()
    .inputs({"A"})
    .infer_shape(infer_extract)
    .kernel(DeviceType::kCPU, band_kernel<true>)
    .gradient(band_grad);

[[maybe_unused]] OpRegistrar r_makediag = linalg_op("_linalg_makediag")
    .describe("Square matrices with A's last axis on the diagonal (offset: below or above the main one), zeros "
              "elsewhere.")
    .params<DiagParam>()
    .inputs({"A"})
    .infer_shape(infer_make)
    .kernel(DeviceType::kCPU, band_kernel<false>)
    .gradient(band_grad);

[[maybe_unused]] OpRegistrar r_extracttrian = linalg_op("_linalg_extracttrian")
    .describe("The triangle of each square matrix (bounded by the offset diagonal) packed row by row.")
    .params<TrianParam>()
    .inputs({"A"})
    .infer_shape(infer_extract)
    .kernel(DeviceType::kCPU, band_kernel<true>)
    .gradient(band_grad);

[[maybe_unused]] OpRegistrar r_maketrian = linalg_op("_linalg_maketrian")
    .describe("Square matrices with A's last axis unpacked row by row into the triangle bounded by the offset "
              "diagonal, zeros elsewhere.")
    .params<TrianParam>()
    .inputs({"A"})
    .infer_shape(infer_make)
    .kernel(DeviceType::kCPU, band_kernel<false>)
    .gradient(band_grad);

}  // namespace
}  // namespace sn
