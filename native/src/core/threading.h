// Cores available to this process and the intra-op thread setting.
#pragma once

#include <cstdint>

namespace sn {

// Cores this process may use: the CPU affinity mask, capped by a cgroup v2 CPU
// quota (containers). Computed once.
int num_cores() noexcept;

// Note [Thread budget]
// One operator may use intra_op_threads() threads (OpenMP, oneDNN). The
// default is num_cores(): the engine runs one compute worker per CPU device
// by default, so compute never oversubscribes the cores; the engine layer
// documents how workers and this setting combine. Changing it bumps
// intra_op_generation(), which workers compare to re-apply the setting to
// their own OpenMP state (OpenMP's thread count is per calling thread).
int intra_op_threads() noexcept;
// 0 restores the default; negative values are an error.
void set_intra_op_threads(int num_threads);
uint64_t intra_op_generation() noexcept;

}  // namespace sn
