// Cores available to this process and the intra-op thread setting.
#pragma once

#include <cstdint>

// Thread-locals read on every op: the initial-exec TLS model makes each access one
// fs-relative load instead of a __tls_get_addr call (libsharpnet.so is loaded with
// dlopen, whose static TLS reserve easily holds these few hundred bytes).
#define SN_HOT_THREAD_LOCAL thread_local __attribute__((tls_model("initial-exec")))

namespace sn {

// Cores this process may use: the CPU affinity mask, capped by a cgroup v2 CPU
// quota (containers). Computed once.
int num_cores() noexcept;

// The intra-op thread setting: one operator may use intra_op_threads()
// threads (OpenMP, oneDNN); the default is num_cores(). How the engine's
// workers share it is Note [Thread budget] in engine/engine.h. Each op applies
// its share to its own thread's OpenMP state (OpenMP's thread count is per
// calling thread): parallel_for takes it as an argument, and OmpThreadsScope
// sets it around oneDNN calls.
int intra_op_threads() noexcept;
// 0 restores the default; negative values are an error.
void set_intra_op_threads(int num_threads);

}  // namespace sn
