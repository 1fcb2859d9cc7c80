// Invoking registered ops on NDArrays (Note [Invoke path] in ndarray/invoke.h).
#pragma once

#include <span>
#include <vector>

#include "ndarray/invoke.h"
#include "ndarray/ndarray.h"
#include "ops/registry.h"

namespace sn {

// Runs `attrs.op` on `inputs` and returns all its outputs (hidden ones last).
// `outs` (optional, at most the visible outputs) receive the results instead
// of new arrays: they must match the inferred shape and dtype exactly and may
// alias an input only through a declared in-place pair. Ops without inputs
// place their outputs on `device`. Errors name the op and say expected vs got.
std::vector<NDArray> invoke(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<const NDArray> outs,
                            const InvokeFlags& flags, const Device& device = Device::cpu());

// Installed by the autograd layer: records an op application (when an input
// requires a gradient). Called after outputs exist, before the kernel is pushed.
using RecordHook = void (*)(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<NDArray> outputs,
                            const InvokeFlags& flags);
void set_record_hook(RecordHook hook) noexcept;

// The global random seed (NDArray.Random.Seed); resets the op sequence, so a
// seed reproduces every sampler that follows it.
void set_random_seed(uint64_t seed) noexcept;

// Infers output shapes and dtypes for `attrs.op` from input shapes/dtypes (and
// known output ones), throwing a clear error when inputs are inconsistent or
// the outputs cannot be determined. Shared by invoke and the graph passes.
void infer_outputs(const OpAttrs& attrs, std::vector<Shape>& in_shapes, std::vector<Shape>& out_shapes,
                   std::vector<int>& in_types, std::vector<int>& out_types);

}  // namespace sn
