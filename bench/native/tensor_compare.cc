// Tensor ops against their native yardsticks (PERF.md), side by side in one
// process, rounds interleaved A B A B: bandwidth-bound ops on 16M floats vs a
// STREAM-like OpenMP loop built with Sharpnet's flags (ratio of GB/s, i.e. of
// time for the same bytes), and dot vs a oneDNN matmul primitive and
// dnnl_sgemm called directly (ratio of GFLOP/s).
//   sharpnet_tensor_compare [rounds] [measure ...]     (OMP_NUM_THREADS sets both sides' threads)
// Prints a table and one JSON line per measure; ratio = yardstick time / Sharpnet time (higher is better).
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

// One Sharpnet call, waited for.
void run(const OpAttrs& attrs, std::vector<NDArray> in, std::vector<NDArray> out = {}) {
  auto r = invoke(attrs, in, out, InvokeFlags{});
  for (const NDArray& a : r) a.wait_to_read();
}

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
