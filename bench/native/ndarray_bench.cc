// Calling-thread cost of tiny asynchronous NDArray ops through the C ABI
// (what C# pays below the P/Invoke): pushes only; the engine drains untimed.
#include <benchmark/benchmark.h>

#include "sharpnet/c_api.h"

namespace {

void BM_AbiFillPush(benchmark::State& state) {
  int64_t one = 1;
  sn_ndarray_t a = nullptr;
  sn_ndarray_create(&one, 1, SN_DTYPE_FLOAT32, SN_DEVICE_CPU, 0, &a);
  constexpr int kBatch = 20000;  // under the pending bound: no back-pressure
  int64_t pushes = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) sn_ndarray_fill(a, i);
    pushes += kBatch;
    state.PauseTiming();
    sn_engine_wait_all();
    state.ResumeTiming();
  }
  state.counters["ns_per_push"] =
      benchmark::Counter(static_cast<double>(pushes), benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                         benchmark::Counter::kIs1000);
  sn_ndarray_free(a);
}
BENCHMARK(BM_AbiFillPush)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
