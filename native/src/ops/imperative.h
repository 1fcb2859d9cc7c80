// Invoking registered ops on NDArrays (Note [Invoke path] in ndarray/invoke.h).
#pragma once

#include <algorithm>
#include <mutex>
#include <new>
#include <span>
#include <utility>
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

// A short list of arrays kept inline (the ABI's per-call inputs and results: no heap allocation, and
// only the arrays pushed are ever constructed).
class ArrayList {
 public:
  static constexpr size_t kInline = 4;
  ArrayList() = default;
  ArrayList(const ArrayList&) = delete;
  ArrayList& operator=(const ArrayList&) = delete;
  ~ArrayList() {
    for (size_t i = 0; i < std::min(n_, kInline); ++i) slot(i)->~NDArray();
  }
  void push_back(NDArray a) {
    if (n_ < kInline) {
      ::new (static_cast<void*>(slot(n_))) NDArray(std::move(a));
    } else {
      if (n_ == kInline) heap_.assign(slot(0), slot(0) + kInline);
      heap_.push_back(std::move(a));
    }
    ++n_;
  }
  size_t size() const noexcept { return n_; }
  NDArray& operator[](size_t i) noexcept { return n_ <= kInline ? *slot(i) : heap_[i]; }
  std::span<const NDArray> span() const noexcept {
    return n_ <= kInline ? std::span<const NDArray>(slot(0), n_) : std::span<const NDArray>(heap_);
  }
  std::span<NDArray> mutable_span() noexcept {
    return n_ <= kInline ? std::span<NDArray>(slot(0), n_) : std::span<NDArray>(heap_);
  }

 private:
  NDArray* slot(size_t i) noexcept { return std::launder(reinterpret_cast<NDArray*>(storage_)) + i; }
  const NDArray* slot(size_t i) const noexcept {
    return std::launder(reinterpret_cast<const NDArray*>(storage_)) + i;
  }
  alignas(NDArray) unsigned char storage_[kInline * sizeof(NDArray)];
  std::vector<NDArray> heap_;
  size_t n_ = 0;
};

// The meta step's result for a call site (a prepared call): when the inputs' shapes and dtypes repeat,
// shape and dtype inference is skipped. Thread-safe: a call site used by several threads at once simply
// infers again on the one that finds the cache busy.
class MetaCache {
 public:
  // Fills out_shapes/out_types if the inputs match the cached ones.
  bool lookup(std::span<const NDArray> inputs, std::vector<Shape>& out_shapes, std::vector<int>& out_types);
  void store(std::span<const NDArray> inputs, const std::vector<Shape>& out_shapes, const std::vector<int>& out_types);

 private:
  std::mutex mutex_;
  bool valid_ = false;
  std::vector<Shape> in_shapes_, out_shapes_;
  std::vector<int> in_types_, out_types_;
};

// As invoke, appending the outputs to `results`; `cache` (optional) remembers the meta step.
void invoke_into(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<const NDArray> outs,
                 const InvokeFlags& flags, const Device& device, ArrayList& results, MetaCache* cache = nullptr);

// Installed by the autograd layer: records an op application (when an input
// requires a gradient). Called after outputs exist, before the kernel is pushed.
using RecordHook = void (*)(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<NDArray> outputs,
                            const InvokeFlags& flags);
void set_record_hook(RecordHook hook) noexcept;

// The global random seed (NDArray.Random.Seed); resets the op sequence, so a
// seed reproduces every sampler that follows it.
void set_random_seed(uint64_t seed) noexcept;
// The (seed, sequence) key of the next call that draws random numbers (taken at push time, in push order).
std::pair<uint64_t, uint64_t> next_random_key() noexcept;

// Ops touching at most this many elements (inputs and outputs) may run on the pushing thread (Note
// [Running tiny ops in place]); the executor bulks runs of them: a few microseconds of work at most,
// less than handing each to a worker costs.
inline constexpr int64_t kTinyOpElements = 4096;

// Runs `kernel` inside an engine op, with `workspace` bytes of temporary space from the device's pool
// when it asks for any (returned when the kernel ends or throws). Shared by invoke and the executor.
void run_kernel(KernelFn kernel, OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out,
                size_t workspace);

// Infers output shapes and dtypes for `attrs.op` from input shapes/dtypes (and
// known output ones), throwing a clear error when inputs are inconsistent or
// the outputs cannot be determined. Shared by invoke and the graph passes.
void infer_outputs(const OpAttrs& attrs, std::vector<Shape>& in_shapes, std::vector<Shape>& out_shapes,
                   std::vector<int>& in_types, std::vector<int>& out_types);

}  // namespace sn
