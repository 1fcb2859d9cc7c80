// ABI: versions, build features, threads, devices, logging.
#include <oneapi/dnnl/dnnl.h>

#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "c_api/api_guard.h"
#include "c_api/build_info.h"
#include "core/cpu_features.h"
#include "core/device.h"
#include "core/logging.h"
#include "core/threading.h"

using sn::capi::check_not_null;

namespace {

struct Feature {
  std::string_view name;
  bool (*available)();
};

constexpr Feature kFeatures[] = {
    {"CUDA", [] { return std::string_view(SHARPNET_HAS_CUDA) == "yes"; }},
    {"CUDNN", [] { return false; }},
    {"NCCL", [] { return false; }},
    {"MPI", [] { return std::string_view(SHARPNET_HAS_MPI) == "yes"; }},
    {"DNNL", [] { return true; }},
    {"OPENMP", [] {
#if defined(_OPENMP)
       return true;
#else
       return false;
#endif
     }},
    {"AVX2", [] { return sn::cpu_features().avx2; }},
    {"AVX512", [] { return sn::cpu_path() == sn::CpuPath::kAvx512; }},
    {"AVX512_BF16", [] { return sn::cpu_features().avx512_bf16; }},
    {"F16C", [] { return sn::cpu_features().f16c; }},
};

std::string build_info() {
  const dnnl_version_t* dnnl = dnnl_version();
  return sn::str("sharpnet ", SHARPNET_VERSION, "\n",                                   //
                 "abi ", SN_ABI_VERSION_MAJOR, ".", SN_ABI_VERSION_MINOR, "\n",         //
                 "compiler ", SHARPNET_COMPILER, "\n",                                  //
                 "build_type ", SHARPNET_BUILD_TYPE, "\n",                              //
                 "flags ", SHARPNET_CXX_FLAGS, "\n",                                    //
                 "onednn ", dnnl->major, ".", dnnl->minor, ".", dnnl->patch, " (", dnnl->hash, ")\n",  //
                 "cpu_path ", sn::cpu_path_name(sn::cpu_path()), "\n",                  //
                 "cores ", sn::num_cores(), "\n",                                       //
                 "cuda ", SHARPNET_HAS_CUDA, "\n",                                      //
                 "mpi ", SHARPNET_HAS_MPI);
}

// The core's sink takes an int32_t level; the ABI's callback takes sn_log_level.
struct LogTarget {
  sn_log_callback callback;
  void* user_data;
};
std::mutex g_log_target_mutex;
LogTarget* g_log_target = nullptr;

void log_trampoline(void* target, int32_t level, const char* message) {
  auto* t = static_cast<LogTarget*>(target);
  t->callback(t->user_data, static_cast<sn_log_level>(level), message);
}

}  // namespace

extern "C" {

SN_API sn_status sn_abi_version(int32_t* major, int32_t* minor) {
  SN_API_BEGIN();
  check_not_null(major, "sn_abi_version", "major");
  check_not_null(minor, "sn_abi_version", "minor");
  *major = SN_ABI_VERSION_MAJOR;
  *minor = SN_ABI_VERSION_MINOR;
  SN_API_END();
}

SN_API sn_status sn_library_version(const char** version) {
  SN_API_BEGIN();
  check_not_null(version, "sn_library_version", "version");
  *version = SHARPNET_VERSION;
  SN_API_END();
}

SN_API sn_status sn_context_num_gpus(int32_t* count) {
  SN_API_BEGIN();
  check_not_null(count, "sn_context_num_gpus", "count");
  *count = sn::num_gpus();
  SN_API_END();
}

SN_API sn_status sn_runtime_has_feature(const char* name, uint8_t* available) {
  SN_API_BEGIN();
  check_not_null(name, "sn_runtime_has_feature", "name");
  check_not_null(available, "sn_runtime_has_feature", "available");
  for (const Feature& f : kFeatures) {
    if (f.name == name) {
      *available = f.available() ? 1 : 0;
      return SN_OK;
    }
  }
  std::string names;
  for (const Feature& f : kFeatures) names += (names.empty() ? "" : ", ") + std::string(f.name);
  SN_THROW(kNotFound, "sn_runtime_has_feature: unknown feature '", name, "'; expected one of ", names);
  SN_API_END();
}

SN_API sn_status sn_runtime_build_info(const char** info) {
  SN_API_BEGIN();
  check_not_null(info, "sn_runtime_build_info", "info");
  static const std::string text = build_info();
  *info = text.c_str();
  SN_API_END();
}

SN_API sn_status sn_runtime_num_cores(int32_t* count) {
  SN_API_BEGIN();
  check_not_null(count, "sn_runtime_num_cores", "count");
  *count = sn::num_cores();
  SN_API_END();
}

SN_API sn_status sn_runtime_set_intra_op_threads(int32_t num_threads) {
  SN_API_BEGIN();
  sn::set_intra_op_threads(num_threads);
  SN_API_END();
}

SN_API sn_status sn_runtime_get_intra_op_threads(int32_t* num_threads) {
  SN_API_BEGIN();
  check_not_null(num_threads, "sn_runtime_get_intra_op_threads", "num_threads");
  *num_threads = sn::intra_op_threads();
  SN_API_END();
}

SN_API sn_status sn_log_set_callback(sn_log_callback callback, void* user_data) {
  SN_API_BEGIN();
  std::lock_guard lock(g_log_target_mutex);
  auto* target = callback != nullptr ? new LogTarget{callback, user_data} : nullptr;
  sn::set_log_sink(target != nullptr ? log_trampoline : nullptr, target);
  delete std::exchange(g_log_target, target);  // the core guarantees the old sink no longer runs
  SN_API_END();
}

SN_API sn_status sn_log_set_level(sn_log_level level) {
  SN_API_BEGIN();
  SN_CHECK(level >= SN_LOG_TRACE && level <= SN_LOG_NONE, "sn_log_set_level: argument 'level' expects a value from ",
           static_cast<int>(SN_LOG_TRACE), " (trace) to ", static_cast<int>(SN_LOG_NONE), " (none), got ",
           static_cast<int>(level));
  sn::set_log_level(static_cast<sn::LogLevel>(level));
  SN_API_END();
}

SN_API sn_status sn_log_get_level(sn_log_level* level) {
  SN_API_BEGIN();
  check_not_null(level, "sn_log_get_level", "level");
  *level = static_cast<sn_log_level>(sn::log_level());
  SN_API_END();
}

}  // extern "C"
