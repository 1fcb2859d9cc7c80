// Custom functions: forward and backward written in the binding (C#), run as
// ops on their own workers and differentiated by autograd.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ndarray/invoke.h"
#include "ndarray/ndarray.h"

namespace sn {

// Note [Custom functions]
// A custom function is applied like any op: its outputs (shapes and dtypes
// declared by the caller) are created at once and an engine op reading the
// inputs and writing the outputs is pushed. That op hands the work to the
// custom-function workers (threads of their own, so the callback may wait on
// arrays without blocking an engine worker; a new one starts when all are
// busy, so nested custom functions cannot starve each other) and completes
// when the callback's writes are done. The callback gets aliases: the same
// memory under variables of its own, so what it pushes on them does not queue
// behind the op that is running it. When recording, the application is taped
// as a `_CustomFunction` node whose gradient is `_backward_CustomFunction`,
// which calls the callback's backward stage the same way. An exception in a
// callback poisons the outputs of that stage: it surfaces at their wait.
class CustomFunction {
 public:
  virtual ~CustomFunction() = default;
  // Stage 0 (forward): writes `out` from `in`. Stage 1 (backward): `in` are the outputs' gradients,
  // `out` the inputs' gradients. Throws on failure. Runs on a custom-function worker.
  virtual void run(int stage, std::span<const NDArray> in, std::span<const NDArray> out, bool is_train) = 0;
};

// Applies `fn`; the outputs have the given shapes and dtypes.
std::vector<NDArray> invoke_custom_function(std::shared_ptr<CustomFunction> fn, std::span<const NDArray> inputs,
                                            std::vector<Shape> out_shapes, std::vector<DType> out_dtypes,
                                            const InvokeFlags& flags);

}  // namespace sn
