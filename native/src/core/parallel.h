// parallel_for: splits a loop over OpenMP threads, or runs it on the calling
// thread when it is too small to pay for a parallel region.
//
// Header-only on purpose: it uses OpenMP only in translation units compiled
// with -fopenmp (ops, ndarray kernels); core and the engine never are, so the
// engine-only tests stay free of OpenMP (and clean under ThreadSanitizer).
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace sn {

// Note [Parallel threshold]
// Opening an OpenMP region costs about a microsecond (waking the team, the
// barrier at its end): a loop does better on the calling thread until each
// thread gets enough work to hide that. Measured with
//   build/native/bench/native/sharpnet_bench --benchmark_filter=ParallelAdd
//     --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
// (float add, medians, 2 threads, the 2-core CI class of machine): 1K
// elements take 87 ns serial vs 1002 ns in a 2-thread region, 4K 410 vs
// 1226 ns, 16K 2443 vs 2111 ns, 256K 107 vs 26 us (two cores' L2). The
// crossover lies between 4K and 16K, so each thread gets at least 8K
// elements of "one flop" work. Ops doing more work per element pass their
// relative cost.
inline constexpr int64_t kMinParallelWork = int64_t{1} << 13;

// Calls f(begin, end) over contiguous chunks of [0, n) on up to `num_threads`
// threads (the op's RunContext::num_threads). `cost` is the relative work per
// element (1 = an elementwise float op). An exception thrown by f on any
// thread is rethrown here after the region ends: none escapes an OpenMP region.
template <class F>
void parallel_for(int64_t n, int num_threads, F&& f, int64_t cost = 1) {
  if (n <= 0) return;
  int64_t work = n * std::max<int64_t>(cost, 1);
  int threads = static_cast<int>(std::min<int64_t>(num_threads, std::max<int64_t>(1, work / kMinParallelWork)));
#if defined(_OPENMP)
  if (threads > 1) {
    std::exception_ptr error;
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      const int team = omp_get_num_threads();
      const int64_t chunk = (n + team - 1) / team;
      const int64_t begin = std::min<int64_t>(n, t * chunk);
      const int64_t end = std::min<int64_t>(n, begin + chunk);
      try {
        if (begin < end) f(begin, end);
      } catch (...) {
#pragma omp critical(sn_parallel_for_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
#else
  (void)threads;
#endif
  f(int64_t{0}, n);
}

// Sets this thread's OpenMP team size (which oneDNN reads) for a scope: an
// op calls it with its RunContext::num_threads before calling oneDNN.
class OmpThreadsScope {
 public:
  explicit OmpThreadsScope(int num_threads) {
#if defined(_OPENMP)
    previous_ = omp_get_max_threads();
    if (num_threads != previous_) omp_set_num_threads(std::max(1, num_threads));
#else
    (void)num_threads;
#endif
  }
  ~OmpThreadsScope() {
#if defined(_OPENMP)
    if (omp_get_max_threads() != previous_) omp_set_num_threads(previous_);
#endif
  }
  OmpThreadsScope(const OmpThreadsScope&) = delete;
  OmpThreadsScope& operator=(const OmpThreadsScope&) = delete;

 private:
  int previous_ = 1;
};

}  // namespace sn
