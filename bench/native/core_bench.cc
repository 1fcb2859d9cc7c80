// Costs of the core building blocks every op call pays.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/convert.h"
#include "core/param.h"
#include "sharpnet/c_api.h"

namespace {

// The floor of every ABI call: the exception barrier and an out-parameter.
void BM_AbiCallRoundTrip(benchmark::State& state) {
  int32_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sn_runtime_get_intra_op_threads(&n));
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_AbiCallRoundTrip);

struct PoolLike {
  sn::Shape kernel;
  sn::Shape stride;
  bool global_pool = false;
  std::optional<int64_t> p_value;
  static void describe(sn::ParamBuilder<PoolLike>& b) {
    b.field("kernel", &PoolLike::kernel, "Kernel.").set_default(sn::Shape{});
    b.field("stride", &PoolLike::stride, "Stride.").set_default(sn::Shape{});
    b.field("global_pool", &PoolLike::global_pool, "Global.").set_default(false);
    b.field("p_value", &PoolLike::p_value, "p.");
  }
};

// What parsing string parameters costs per call (why call sites parse once).
void BM_ParseParams(benchmark::State& state) {
  const sn::ParamKV kv[] = {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"global_pool", "False"}};
  for (auto _ : state) benchmark::DoNotOptimize(sn::parse_params<PoolLike>("Pooling", kv));
}
BENCHMARK(BM_ParseParams);

void BM_ConvertF32ToF16(benchmark::State& state) {
  std::vector<float> src(static_cast<size_t>(state.range(0)), 1.5f);
  std::vector<sn::half_t> dst(src.size());
  for (auto _ : state) {
    sn::convert(src.data(), dst.data(), static_cast<int64_t>(src.size()));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(src.size()) * 6);
}
BENCHMARK(BM_ConvertF32ToF16)->Arg(1 << 12)->Arg(1 << 20);

}  // namespace
