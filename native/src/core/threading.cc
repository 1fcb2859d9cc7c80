#include "core/threading.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/logging.h"

namespace sn {

namespace {

int affinity_cores() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

// cgroup v2 "cpu.max" holds "<quota> <period>" or "max <period>".
int cgroup_quota_cores() noexcept {
  try {
    std::ifstream in("/sys/fs/cgroup/cpu.max");
    std::string quota;
    double period = 0;
    if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
    double cores = std::stod(quota) / period;
    return cores > 0 ? std::max(1, static_cast<int>(std::ceil(cores))) : 0;
  } catch (...) {
    return 0;
  }
}

std::atomic<int> g_intra_op_threads{0};  // 0 = default

}  // namespace

int num_cores() noexcept {
  static const int cores = [] {
    int n = affinity_cores();
    int quota = cgroup_quota_cores();
    return quota > 0 ? std::min(n, quota) : n;
  }();
  return cores;
}

int intra_op_threads() noexcept {
  int n = g_intra_op_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : num_cores();
}

void set_intra_op_threads(int num_threads) {
  SN_CHECK(num_threads >= 0, "set_intra_op_threads: argument 'num_threads' expects a count >= 0 (0 restores the "
           "default of ", num_cores(), "), got ", num_threads);
  g_intra_op_threads.store(num_threads);
  SN_LOG(kInfo, "intra-op threads set to ", intra_op_threads(), num_threads == 0 ? " (default)" : "");
}

}  // namespace sn
