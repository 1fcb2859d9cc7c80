#include "ops/tensor/vec_math.h"

#include <dlfcn.h>

namespace sn::vm {

const Functions& functions() noexcept {
  static const Functions table = [] {
    Functions f;
    void* lib = dlopen("libmvec.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return f;
    auto get = [lib](const char* name) { return reinterpret_cast<Fn>(dlsym(lib, name)); };
    // The x86-64 vector ABI's AVX2 names: _ZGVdN8v_<function>.
    f.exp = get("_ZGVdN8v_expf");
    f.log = get("_ZGVdN8v_logf");
    f.expm1 = get("_ZGVdN8v_expm1f");
    f.log1p = get("_ZGVdN8v_log1pf");
    f.log2 = get("_ZGVdN8v_log2f");
    f.log10 = get("_ZGVdN8v_log10f");
    f.sin = get("_ZGVdN8v_sinf");
    f.cos = get("_ZGVdN8v_cosf");
    f.tan = get("_ZGVdN8v_tanf");
    f.asin = get("_ZGVdN8v_asinf");
    f.acos = get("_ZGVdN8v_acosf");
    f.atan = get("_ZGVdN8v_atanf");
    f.sinh = get("_ZGVdN8v_sinhf");
    f.cosh = get("_ZGVdN8v_coshf");
    f.tanh = get("_ZGVdN8v_tanhf");
    f.asinh = get("_ZGVdN8v_asinhf");
    f.acosh = get("_ZGVdN8v_acoshf");
    f.atanh = get("_ZGVdN8v_atanhf");
    f.cbrt = get("_ZGVdN8v_cbrtf");
    f.erf = get("_ZGVdN8v_erff");
    return f;  // the library stays loaded for the process's life
  }();
  return table;
}

}  // namespace sn::vm
