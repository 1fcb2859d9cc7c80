// Tensor ops against their native yardsticks (PERF.md), side by side in one
// process, rounds interleaved A B A B: bandwidth-bound ops on 16M floats vs a
// STREAM-like OpenMP loop built with Sharpnet's flags (ratio of GB/s, i.e. of
// time for the same bytes), and dot vs a oneDNN matmul primitive and
// dnnl_sgemm called directly (ratio of GFLOP/s); convolutions (3x3, 1x1, depthwise; 56x56, batch 32) forward and
// forward+backward vs oneDNN's convolution primitives called directly; BatchNorm (training) and max pooling forward and
// forward+backward vs their oneDNN primitives.
//   sharpnet_tensor_compare [rounds] [measure ...]     (OMP_NUM_THREADS sets both sides' threads)
// Prints a table and one JSON line per measure; ratio = yardstick time / Sharpnet time (higher is better).
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/threading.h"
#include "engine/engine.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"

using namespace sn;

namespace {

using Clock = std::chrono::steady_clock;

double time_ms(const std::function<void()>& body, int reps) {
  // Let the other side's spinning threads (engine workers, OpenMP teams) go to sleep first: two cores.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  body();  // warm up
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    body();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

NDArray filled(const Shape& s, float lo, float hi, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(s.size()));
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float& f : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    f = lo + (hi - lo) * static_cast<float>(x >> 40) / static_cast<float>(1 << 24);
  }
  NDArray a = NDArray::empty(s, DType::kFloat32, Device::cpu());
  copy_from_host(a, v.data(), DType::kFloat32, 0, a.size());
  a.wait_to_read();
  return a;
}

OpAttrs op(const char* name, std::vector<ParamKV> params = {}) { return OpRegistry::get().at(name).parse(params); }

// One Sharpnet call, waited for; its outputs (hidden ones included).
std::vector<NDArray> run(const OpAttrs& attrs, std::vector<NDArray> in, std::vector<NDArray> out = {},
                         bool training = false) {
  InvokeFlags flags;
  flags.training = training;
  auto r = invoke(attrs, in, out, flags);
  for (const NDArray& a : r) a.wait_to_read();
  return r;
}

// BatchNorm (training) and max pooling on oneDNN's primitives over plain NCHW arrays, forward and backward.
class DirectBatchNorm {
 public:
  DirectBatchNorm(const dnnl::memory::dims& dims, float eps, void* x, void* y, void* dy, void* dx)
      : eng_(dnnl::engine::kind::cpu, 0), strm_(eng_) {
    using namespace dnnl;
    const memory::desc md(dims, memory::data_type::f32, memory::format_tag::nchw);
    const memory::desc cmd({dims[1]}, memory::data_type::f32, memory::format_tag::x);
    const memory::desc ssmd({2, dims[1]}, memory::data_type::f32, memory::format_tag::nc);
    const auto flags = normalization_flags::use_scale_shift;
    const batch_normalization_forward::primitive_desc fpd(
        batch_normalization_forward::desc(prop_kind::forward_training, md, eps, flags), eng_);
    const batch_normalization_backward::primitive_desc bpd(
        batch_normalization_backward::desc(prop_kind::backward, md, md, eps, flags), eng_, fpd);
    fwd_ = batch_normalization_forward(fpd);
    bwd_ = batch_normalization_backward(bpd);
    x_ = memory(md, eng_, x), y_ = memory(md, eng_, y), dy_ = memory(md, eng_, dy), dx_ = memory(md, eng_, dx);
    mean_ = memory(cmd, eng_), var_ = memory(cmd, eng_), ss_ = memory(ssmd, eng_), dss_ = memory(ssmd, eng_);
    float* ss = static_cast<float*>(ss_.get_data_handle());
    for (int64_t c = 0; c < dims[1]; ++c) ss[c] = 1, ss[dims[1] + c] = 0;
  }
  void forward() {
    fwd_.execute(strm_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}, {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, var_},
                         {DNNL_ARG_SCALE_SHIFT, ss_}});
    strm_.wait();
  }
  void backward() {
    bwd_.execute(strm_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_MEAN, mean_}, {DNNL_ARG_VARIANCE, var_}, {DNNL_ARG_DIFF_DST, dy_},
                         {DNNL_ARG_SCALE_SHIFT, ss_}, {DNNL_ARG_DIFF_SRC, dx_}, {DNNL_ARG_DIFF_SCALE_SHIFT, dss_}});
    strm_.wait();
  }

 private:
  dnnl::engine eng_;
  dnnl::stream strm_;
  dnnl::primitive fwd_, bwd_;
  dnnl::memory x_, y_, dy_, dx_, mean_, var_, ss_, dss_;
};

class DirectMaxPool {
 public:
  DirectMaxPool(const dnnl::memory::dims& in, const dnnl::memory::dims& out, int64_t k, int64_t s, int64_t p, void* x,
                void* y, void* dy, void* dx)
      : eng_(dnnl::engine::kind::cpu, 0), strm_(eng_) {
    using namespace dnnl;
    const memory::desc xmd(in, memory::data_type::f32, memory::format_tag::nchw),
        ymd(out, memory::data_type::f32, memory::format_tag::nchw);
    const memory::dims kk{k, k}, ss{s, s}, pp{p, p};
    const pooling_forward::primitive_desc fpd(
        pooling_forward::desc(prop_kind::forward_training, algorithm::pooling_max, xmd, ymd, ss, kk, pp, pp), eng_);
    const pooling_backward::primitive_desc bpd(
        pooling_backward::desc(algorithm::pooling_max, xmd, ymd, ss, kk, pp, pp), eng_, fpd);
    fwd_ = pooling_forward(fpd);
    bwd_ = pooling_backward(bpd);
    x_ = memory(xmd, eng_, x), y_ = memory(ymd, eng_, y), dy_ = memory(ymd, eng_, dy), dx_ = memory(xmd, eng_, dx);
    ws_ = memory(fpd.workspace_desc(), eng_);
  }
  void forward() {
    fwd_.execute(strm_, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, y_}, {DNNL_ARG_WORKSPACE, ws_}});
    strm_.wait();
  }
  void backward() {
    bwd_.execute(strm_, {{DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_WORKSPACE, ws_}, {DNNL_ARG_DIFF_SRC, dx_}});
    strm_.wait();
  }

 private:
  dnnl::engine eng_;
  dnnl::stream strm_;
  dnnl::primitive fwd_, bwd_;
  dnnl::memory x_, y_, dy_, dx_, ws_;
};

// A convolution on oneDNN as its documentation shows it for plain NCHW user memory: primitives created once with
// `any` layouts, user arrays reordered into the chosen layouts and the results back, per call.
class DirectConv {
 public:
  DirectConv(int64_t n, int64_t c, int64_t hw, int64_t oc, int64_t k, int64_t pad, int64_t groups, void* x, void* w,
             void* y, void* dy, void* dx, void* dw)
      : eng_(dnnl::engine::kind::cpu, 0), strm_(eng_) {
    using namespace dnnl;
    using tag = memory::format_tag;
    const auto f32 = memory::data_type::f32;
    const memory::dims xd{n, c, hw, hw}, yd{n, oc, hw, hw},
        wd = groups > 1 ? memory::dims{groups, oc / groups, c / groups, k, k} : memory::dims{oc, c, k, k};
    const memory::desc xu(xd, f32, tag::nchw), yu(yd, f32, tag::nchw), wu(wd, f32, groups > 1 ? tag::goihw : tag::oihw);
    const memory::desc xa(xd, f32, tag::any), ya(yd, f32, tag::any), wa(wd, f32, tag::any);
    const memory::dims s{1, 1}, d{0, 0}, p{pad, pad};
    const convolution_forward::primitive_desc fpd(
        convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, xa, wa, ya, s, d, p, p), eng_);
    const convolution_backward_data::primitive_desc bdpd(
        convolution_backward_data::desc(algorithm::convolution_direct, xa, wa, ya, s, d, p, p), eng_, fpd);
    const convolution_backward_weights::primitive_desc bwpd(
        convolution_backward_weights::desc(algorithm::convolution_direct, xa, wa, ya, s, d, p, p), eng_, fpd);
    fwd_ = convolution_forward(fpd);
    bwd_data_ = convolution_backward_data(bdpd);
    bwd_weights_ = convolution_backward_weights(bwpd);
    const memory xm(xu, eng_, x), wm(wu, eng_, w), ym(yu, eng_, y), dym(yu, eng_, dy), dxm(xu, eng_, dx), dwm(wu, eng_, dw);
    fx_ = in(xm, fpd.src_desc()), fw_ = in(wm, fpd.weights_desc()), fy_ = out(ym, fpd.dst_desc());
    bdy_ = in(dym, bdpd.diff_dst_desc()), bw_ = in(wm, bdpd.weights_desc()), bdx_ = out(dxm, bdpd.diff_src_desc());
    wx_ = in(xm, bwpd.src_desc()), wdy_ = in(dym, bwpd.diff_dst_desc()), wdw_ = out(dwm, bwpd.diff_weights_desc());
  }
  void forward() {
    fx_.before(strm_), fw_.before(strm_);
    fwd_.execute(strm_, {{DNNL_ARG_SRC, fx_.prim}, {DNNL_ARG_WEIGHTS, fw_.prim}, {DNNL_ARG_DST, fy_.prim}});
    fy_.after(strm_);
    strm_.wait();
  }
  void backward() {
    bdy_.before(strm_), bw_.before(strm_);
    bwd_data_.execute(strm_, {{DNNL_ARG_DIFF_DST, bdy_.prim}, {DNNL_ARG_WEIGHTS, bw_.prim}, {DNNL_ARG_DIFF_SRC, bdx_.prim}});
    bdx_.after(strm_);
    wx_.before(strm_), wdy_.before(strm_);
    bwd_weights_.execute(strm_, {{DNNL_ARG_SRC, wx_.prim}, {DNNL_ARG_DIFF_DST, wdy_.prim}, {DNNL_ARG_DIFF_WEIGHTS, wdw_.prim}});
    wdw_.after(strm_);
    strm_.wait();
  }

 private:
  // A user array and the primitive's layout of it: the same memory when they agree, else a buffer and a reorder
  // created once.
  struct Arg {
    dnnl::memory user, prim;
    std::optional<dnnl::reorder> r;
    void before(dnnl::stream& s) { if (r) r->execute(s, user, prim); }
    void after(dnnl::stream& s) { if (r) r->execute(s, prim, user); }
  };
  Arg in(const dnnl::memory& user, const dnnl::memory::desc& want) {
    if (want == user.get_desc()) return {user, user, std::nullopt};
    dnnl::memory prim(want, eng_);
    return {user, prim, dnnl::reorder(user, prim)};
  }
  Arg out(const dnnl::memory& user, const dnnl::memory::desc& want) {
    if (want == user.get_desc()) return {user, user, std::nullopt};
    dnnl::memory prim(want, eng_);
    return {user, prim, dnnl::reorder(prim, user)};
  }
  dnnl::engine eng_;
  dnnl::stream strm_;
  dnnl::primitive fwd_, bwd_data_, bwd_weights_;
  Arg fx_, fw_, fy_, bdy_, bw_, bdx_, wx_, wdy_, wdw_;
};

struct Measure {
  std::string name, yardstick;
  std::function<void()> ours, theirs;
  int reps = 9;
};

struct Result {
  std::string name, yardstick;
  std::vector<double> ours, theirs;
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<std::string> only(argv + std::min(argc, 2), argv + argc);
  const int threads = omp_get_max_threads();
  set_intra_op_threads(threads);

  constexpr int64_t kN = 16 << 20;
  const Shape flat{kN}, square{4096, 4096};
  NDArray a = filled(flat, -1, 1, 1), b = filled(flat, -1, 1, 2), col = filled(Shape{4096, 1}, -1, 1, 3);
  NDArray a2 = filled(square, -1, 1, 4);
  float* pa = static_cast<float*>(a.data());
  float* pb = static_cast<float*>(b.data());
  float* pa2 = static_cast<float*>(a2.data());
  float* pcol = static_cast<float*>(col.data());
  volatile float sink = 0;

  // Parsed once: the timed lambdas only invoke.
  const OpAttrs relu = op("relu"), negative = op("negative"), add = op("elemwise_add"), bcast_add = op("broadcast_add"),
                sum = op("sum"), sum_rows = op("sum", {{"axis", "1"}}), max = op("max"), dot = op("dot");
  std::vector<Measure> measures;
  // In-place unary (1 read + 1 write stream) vs STREAM scale in place.
  volatile float one = 1.0f;
  const float s1 = one;  // not foldable: the loop must read and write every element
  measures.push_back({"relu_16m", "stream scale in place", [&] { run(relu, {a}, {a}); }, [&] {
#pragma omp parallel for simd schedule(static)
                        for (int64_t i = 0; i < kN; ++i) pa[i] = s1 * pa[i];
                      }});
  measures.push_back({"negative_16m", "stream scale in place", [&] { run(negative, {a}, {a}); }, [&] {
#pragma omp parallel for simd schedule(static)
                        for (int64_t i = 0; i < kN; ++i) pa[i] = pa[i] * -1.0f;
                      }});
  // In-place add (2 reads + 1 write) vs STREAM add in place.
  measures.push_back({"add_16m", "stream add in place", [&] { run(add, {a, b}, {a}); }, [&] {
#pragma omp parallel for simd schedule(static)
                        for (int64_t i = 0; i < kN; ++i) pa[i] = pa[i] + pb[i];
                      }});
  measures.push_back({"bcast_add_16m", "stream add of a column in place",
                      [&] { run(bcast_add, {a2, col}, {a2}); }, [&] {
#pragma omp parallel for schedule(static)
                        for (int64_t r = 0; r < 4096; ++r) {
                          const float c = pcol[r];
#pragma omp simd
                          for (int64_t j = 0; j < 4096; ++j) pa2[r * 4096 + j] += c;
                        }
                      }});
  // Reductions (1 read stream) vs an OpenMP reduction loop.
  measures.push_back({"sum_16m", "stream sum", [&] { run(sum, {b}); }, [&] {
                        float s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
                        for (int64_t i = 0; i < kN; ++i) s += pb[i];
                        sink = s;
                      }});
  measures.push_back({"sum_rows_16m", "stream sum", [&] { run(sum_rows, {a2}); }, [&] {
                        float s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
                        for (int64_t i = 0; i < kN; ++i) s += pa2[i];
                        sink = s;
                      }});
  measures.push_back({"max_16m", "stream max", [&] { run(max, {b}); }, [&] {
                        float m = -INFINITY;
#pragma omp parallel for simd reduction(max : m) schedule(static)
                        for (int64_t i = 0; i < kN; ++i) m = std::max(m, pb[i]);
                        sink = m;
                      }});

  // dot vs oneDNN called directly.
  for (int64_t n : {int64_t{1024}, int64_t{2048}}) {
    NDArray x = filled(Shape{n, n}, -1, 1, 5), y = filled(Shape{n, n}, -1, 1, 6);
    NDArray z = filled(Shape{n, n}, 0, 0, 7);  // allocated now: storage is lazy
    const float* px = static_cast<const float*>(x.data());
    const float* py = static_cast<const float*>(y.data());
    float* pz = static_cast<float*>(z.data());
    auto ours = [&, x, y, z] { run(dot, {x, y}, {z}); };
    auto sgemm = [=] {
      dnnl_sgemm('N', 'N', n, n, n, 1.0f, px, n, py, n, 0.0f, pz, n);
    };
    using namespace dnnl;
    auto eng = std::make_shared<engine>(engine::kind::cpu, 0);
    auto strm = std::make_shared<stream>(*eng);
    memory::desc md({n, n}, memory::data_type::f32, memory::format_tag::ab);
    auto prim = std::make_shared<matmul>(matmul::primitive_desc(matmul::desc(md, md, md), *eng));
    auto ma = std::make_shared<memory>(md, *eng, const_cast<float*>(px));
    auto mb = std::make_shared<memory>(md, *eng, const_cast<float*>(py));
    auto mc = std::make_shared<memory>(md, *eng, pz);
    auto primitive = [=] {
      prim->execute(*strm, {{DNNL_ARG_SRC, *ma}, {DNNL_ARG_WEIGHTS, *mb}, {DNNL_ARG_DST, *mc}});
      strm->wait();
    };
    const std::string name = "dot_" + std::to_string(n);
    measures.push_back({name, "oneDNN matmul primitive", ours, primitive, n > 1024 ? 5 : 9});
    measures.push_back({name, "dnnl_sgemm", ours, sgemm, n > 1024 ? 5 : 9});
  }

  // Convolutions vs oneDNN's primitives called directly on the same plain NCHW arrays, letting the primitive
  // pick its layouts and reordering in and out (what Sharpnet does per call; Note [Convolution layouts]).
  struct ConvCase {
    const char* name;
    int64_t n, c, hw, oc, k, groups;
  };
  for (const ConvCase& cc : {ConvCase{"conv3x3", 32, 64, 56, 64, 3, 1}, ConvCase{"conv1x1", 32, 64, 56, 256, 1, 1},
                             ConvCase{"dwconv3x3", 32, 64, 56, 64, 3, 64}}) {
    const int64_t pad = cc.k / 2;
    NDArray x = filled(Shape{cc.n, cc.c, cc.hw, cc.hw}, -1, 1, 8), w = filled(Shape{cc.oc, cc.c / cc.groups, cc.k, cc.k}, -1, 1, 9);
    NDArray y = filled(Shape{cc.n, cc.oc, cc.hw, cc.hw}, 0, 0, 10), dy = filled(Shape{cc.n, cc.oc, cc.hw, cc.hw}, -1, 1, 11);
    NDArray dx = filled(x.shape(), 0, 0, 12), dw = filled(w.shape(), 0, 0, 13);
    const std::string k = "(" + std::to_string(cc.k) + ", " + std::to_string(cc.k) + ")",
                      pd = "(" + std::to_string(pad) + ", " + std::to_string(pad) + ")";
    const OpAttrs conv = op("Convolution", {{"kernel", k}, {"pad", pd}, {"num_filter", std::to_string(cc.oc)},
                                            {"num_group", std::to_string(cc.groups)}, {"no_bias", "True"}});
    const OpAttrs conv_bwd = op("_backward_Convolution", {{"kernel", k}, {"pad", pd}, {"num_filter", std::to_string(cc.oc)},
                                                          {"num_group", std::to_string(cc.groups)}, {"no_bias", "True"}});
    auto direct = std::make_shared<DirectConv>(cc.n, cc.c, cc.hw, cc.oc, cc.k, pad, cc.groups, x.data(), w.data(),
                                               y.data(), dy.data(), dx.data(), dw.data());
    measures.push_back({std::string(cc.name) + "_fwd", "oneDNN conv primitive + reorders",
                        [&, conv, x, w, y] { run(conv, {x, w}, {y}); }, [direct] { direct->forward(); }, 5});
    measures.push_back({std::string(cc.name) + "_fwdbwd", "oneDNN conv fwd+bwd + reorders",
                        [&, conv, conv_bwd, x, w, y, dy, dx, dw] {
                          run(conv, {x, w}, {y});
                          run(conv_bwd, {dy, x, w}, {dx, dw});
                        },
                        [direct] {
                          direct->forward();
                          direct->backward();
                        },
                        3});
  }

  // BatchNorm (training, batch statistics) and 3x3/2 max pooling vs oneDNN's primitives on the same NCHW arrays.
  {
    const Shape s{32, 64, 56, 56}, c{64};
    NDArray x = filled(s, -1, 1, 14), y = filled(s, 0, 0, 15), dy = filled(s, -1, 1, 16), dx = filled(s, 0, 0, 17);
    NDArray gamma = filled(c, 1, 1, 18), beta = filled(c, 0, 0, 19), mm = filled(c, 0, 0, 20), mv = filled(c, 1, 1, 21);
    NDArray dgamma = filled(c, 0, 0, 22), dbeta = filled(c, 0, 0, 23);
    const OpAttrs bn = op("BatchNorm", {{"fix_gamma", "False"}, {"eps", "1e-3"}});
    const OpAttrs bn_bwd = op("_backward_BatchNorm", {{"fix_gamma", "False"}, {"eps", "1e-3"}});
    const std::vector<NDArray> stats = run(bn, {x, gamma, beta, mm, mv}, {}, true);  // y, mean, inverse std
    auto direct = std::make_shared<DirectBatchNorm>(dnnl::memory::dims{32, 64, 56, 56}, 1e-3f, x.data(), y.data(),
                                                    dy.data(), dx.data());
    measures.push_back({"bn_fwd", "oneDNN batch_normalization", [=] { run(bn, {x, gamma, beta, mm, mv}, {y}, true); },
                        [direct] { direct->forward(); }, 7});
    measures.push_back({"bn_fwdbwd", "oneDNN batch_normalization", [=] {
                          run(bn, {x, gamma, beta, mm, mv}, {y}, true);
                          run(bn_bwd, {dy, x, gamma, stats[1], stats[2]}, {dx, dgamma, dbeta}, true);
                        },
                        [direct] {
                          direct->forward();
                          direct->backward();
                        },
                        5});
    const Shape ps{32, 64, 28, 28};
    NDArray py = filled(ps, 0, 0, 24), pdy = filled(ps, -1, 1, 25);
    const OpAttrs pool = op("Pooling", {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}});
    const OpAttrs pool_bwd = op("_backward_Pooling", {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}});
    const std::vector<NDArray> pooled = run(pool, {x});  // output, argmax
    auto direct_pool = std::make_shared<DirectMaxPool>(dnnl::memory::dims{32, 64, 56, 56}, dnnl::memory::dims{32, 64, 28, 28},
                                                       3, 2, 1, x.data(), py.data(), pdy.data(), dx.data());
    measures.push_back({"maxpool_fwd", "oneDNN pooling (max)", [=] { run(pool, {x}, {py}); },
                        [direct_pool] { direct_pool->forward(); }, 9});
    measures.push_back({"maxpool_fwdbwd", "oneDNN pooling (max)", [=] {
                          run(pool, {x}, {py});
                          run(pool_bwd, {pdy, x, pooled[0], pooled[1]}, {dx});
                        },
                        [direct_pool] {
                          direct_pool->forward();
                          direct_pool->backward();
                        },
                        7});
  }

  std::vector<Result> results;
  for (const Measure& m : measures) {
    if (!only.empty() && std::find(only.begin(), only.end(), m.name) == only.end()) continue;
    Result r{m.name, m.yardstick, {}, {}};
    for (int round = 0; round < rounds; ++round) {  // A B A B
      r.ours.push_back(time_ms(m.ours, m.reps));
      r.theirs.push_back(time_ms(m.theirs, m.reps));
    }
    results.push_back(r);
  }

  std::printf("%-14s %-32s %12s %12s %8s %15s\n", "measure", "yardstick", "sharpnet ms", "yardstick ms", "ratio",
              "ratio range");
  for (const Result& r : results) {
    std::vector<double> ratio;
    for (size_t i = 0; i < r.ours.size(); ++i) ratio.push_back(r.theirs[i] / r.ours[i]);
    std::sort(ratio.begin(), ratio.end());
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("%-14s %-32s %12.3f %12.3f %8.3f %7.3f-%-7.3f\n", r.name.c_str(), r.yardstick.c_str(), med(r.ours),
                med(r.theirs), ratio[ratio.size() / 2], ratio.front(), ratio.back());
    std::printf("{\"measure\":\"%s\",\"yardstick\":\"%s\",\"threads\":%d,\"sharpnet_ms\":%.4f,\"yardstick_ms\":%.4f,"
                "\"ratio_median\":%.4f,\"ratio_min\":%.4f,\"ratio_max\":%.4f,\"note\":\"ratio = yardstick time / "
                "sharpnet time (higher is better for Sharpnet)\"}\n",
                r.name.c_str(), r.yardstick.c_str(), threads, med(r.ours), med(r.theirs), ratio[ratio.size() / 2],
                ratio.front(), ratio.back());
  }
  (void)sink;
  shutdown_engine();
  return 0;
}
