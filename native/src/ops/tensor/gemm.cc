#include "ops/tensor/gemm.h"

#include <string>

#include "core/convert.h"
#include "ops/dnnl/dnnl_util.h"
#include "ops/op_utils.h"

namespace sn {
namespace {

// C[b] (m x n) = op(A[b]) (m x k) * op(B[b]) (k x n), row-major; A is (m x k) or, transposed, (k x m).
void gemm_dnnl(const void* a, const void* b, void* c, DType dtype, int64_t batch, int64_t m, int64_t k, int64_t n,
               bool ta, bool tb, int threads, std::string_view op) {
  using namespace dnnl;
  using tag = memory::format_tag;
  memory::data_type dt = onednn::to_dnnl(dtype);
  memory::dims a_dims{batch, m, k}, b_dims{batch, k, n}, c_dims{batch, m, n};
  memory::dims a_strides = ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1};
  memory::dims b_strides = tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1};
  struct Plan {
    matmul prim;
    memory::desc scratch;
  };
  static auto& cache = *new onednn::PrimitiveCache<Plan>();  // leaked, as the convolution plans
  std::string key = onednn::cache_key(int64_t{static_cast<int>(dtype)}, ':', batch, 'x', m, 'x', k, 'x', n, ':',
                                      int64_t{ta}, int64_t{tb});
  // Explicit strides (no `any` format): the primitive takes the data as laid out, so the same
  // descriptors serve for execution.
  memory::desc a_md(a_dims, dt, a_strides), b_md(b_dims, dt, b_strides), c_md(c_dims, dt, tag::abc);
  try {
    const Plan plan = cache.get(key, [&] {
      primitive_attr attr;
      attr.set_scratchpad_mode(scratchpad_mode::user);  // Note [Primitive cache]
      const matmul::primitive_desc pd(matmul::desc(a_md, b_md, c_md), attr, onednn::cpu_engine());
      return Plan{matmul(pd), pd.scratchpad_desc()};
    });
    OmpThreadsScope omp(threads);
    memory am(a_md, onednn::cpu_engine(), const_cast<void*>(a));
    memory bm(b_md, onednn::cpu_engine(), const_cast<void*>(b));
    memory cm(c_md, onednn::cpu_engine(), c);
    memory sm(plan.scratch, onednn::cpu_engine(), onednn::thread_scratchpad(plan.scratch.get_size()));
    plan.prim.execute(onednn::thread_stream(),
                      {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}});
    onednn::thread_stream().wait();
  } catch (const dnnl::error& e) {
    onednn::rethrow_dnnl(e, op);
  }
}

// float64: a cache-blocked loop (oneDNN has no f64 matmul).
void gemm_f64(const double* a, const double* b, double* c, int64_t batch, int64_t m, int64_t k, int64_t n, bool ta,
              bool tb, int threads) {
  parallel_for(batch * m, threads, [&](int64_t lo, int64_t hi) {
    for (int64_t bi = lo; bi < hi; ++bi) {
      const int64_t bb = bi / m, i = bi % m;
      const double* A = a + bb * m * k;
      const double* B = b + bb * k * n;
      double* C = c + bb * m * n + i * n;
      std::fill(C, C + n, 0.0);
      for (int64_t p = 0; p < k; ++p) {
        const double av = ta ? A[p * m + i] : A[i * k + p];
        if (tb) {
          for (int64_t j = 0; j < n; ++j) C[j] += av * B[j * k + p];
        } else {
          const double* Bp = B + p * n;
          for (int64_t j = 0; j < n; ++j) C[j] += av * Bp[j];
        }
      }
    }
  }, k * n);
}

}  // namespace

void gemm(const TensorView& a, const TensorView& b, const TensorView& c, int64_t batch, int64_t m, int64_t k, int64_t n,
          bool ta, bool tb, const OpContext& ctx) {
  const int threads = ctx.run.num_threads;
  std::string_view op = ctx.attrs.op->name;
  switch (c.dtype) {
    case DType::kFloat32:
    case DType::kBFloat16:
      gemm_dnnl(a.data, b.data, c.data, c.dtype, batch, m, k, n, ta, tb, threads, op);
      break;
    case DType::kFloat64:
      gemm_f64(a.ptr<double>(), b.ptr<double>(), c.ptr<double>(), batch, m, k, n, ta, tb, threads);
      break;
    case DType::kFloat16: {  // through float32, in the workspace (f16_workspace)
      float* fa = static_cast<float*>(ctx.workspace);
      float* fb = fa + a.size();
      float* fc = fb + b.size();
      convert(a.ptr<half_t>(), fa, a.size());
      convert(b.ptr<half_t>(), fb, b.size());
      gemm_dnnl(fa, fb, fc, DType::kFloat32, batch, m, k, n, ta, tb, threads, op);
      convert(fc, c.ptr<half_t>(), c.size());
      break;
    }
    default:
      throw_unsupported_dtype(op, c.dtype, FloatDTypes::dtypes);
  }
}

// float16 runs as float32 (oneDNN 2.6 has no f16 matmul on CPU): room for the three converted operands.
size_t f16_workspace(const OpAttrs&, std::span<const TensorView> in, std::span<const TensorView> out) {
  if (out[0].dtype != DType::kFloat16) return 0;
  return static_cast<size_t>(in[0].size() + in[1].size() + out[0].size()) * sizeof(float);
}


}  // namespace sn
