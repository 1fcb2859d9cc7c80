// Where parallel_for starts to pay (Note [Parallel threshold]): a float add
// over n elements, on the calling thread vs split over 2 OpenMP threads.
#include <benchmark/benchmark.h>

#include <vector>

#include "core/parallel.h"

namespace {

void add(const float* a, const float* b, float* c, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) c[i] = a[i] + b[i];
}

void BM_ParallelAddSerial(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> a(static_cast<size_t>(n), 1.f), b(static_cast<size_t>(n), 2.f), c(static_cast<size_t>(n));
  for (auto _ : state) {
    add(a.data(), b.data(), c.data(), 0, n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// Always opens a 2-thread region (threshold bypassed) to find the crossover.
void BM_ParallelAddForced2(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> a(static_cast<size_t>(n), 1.f), b(static_cast<size_t>(n), 2.f), c(static_cast<size_t>(n));
  for (auto _ : state) {
#pragma omp parallel num_threads(2)
    {
      int t = omp_get_thread_num();
      int64_t half = (n + 1) / 2;
      int64_t begin = t * half, end = std::min(n, begin + half);
      add(a.data(), b.data(), c.data(), begin, end);
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// parallel_for as shipped: serial below the threshold, 2 threads above.
void BM_ParallelAddParallelFor(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> a(static_cast<size_t>(n), 1.f), b(static_cast<size_t>(n), 2.f), c(static_cast<size_t>(n));
  for (auto _ : state) {
    sn::parallel_for(n, 2, [&](int64_t begin, int64_t end) { add(a.data(), b.data(), c.data(), begin, end); });
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

#define SN_SIZES RangeMultiplier(4)->Range(1 << 10, 1 << 20)
BENCHMARK(BM_ParallelAddSerial)->SN_SIZES;
BENCHMARK(BM_ParallelAddForced2)->SN_SIZES;
BENCHMARK(BM_ParallelAddParallelFor)->SN_SIZES;

}  // namespace
