// How an op states its gradient: with registered ops, through a GradBuilder.
#pragma once

#include <string_view>
#include <vector>

#include "ops/registry.h"

namespace sn {

// Note [Gradients]
// An op's gradient is a function that builds, out of registered ops, the
// gradients of its inputs from the gradients of its outputs. It computes
// nothing itself: the GradBuilder it is given adds graph nodes (the graph
// layer's gradient pass), so one definition serves autograd, the executor
// and higher-order gradients (the ops it uses are themselves
// differentiable). It may read only the forward inputs and outputs it
// declared (OpRegistrar::gradient), which is all autograd keeps alive.
// Inputs whose gradient it does not set get none (zero, elided).

// An entry in the gradient being built: opaque to ops.
struct GradValue {
  int32_t id = -1;
  bool valid() const noexcept { return id >= 0; }
};

// Parameters for the ops a gradient applies: the forward op's own (printed by its schema, filtered by `keep`)
// plus extras, owning their text.
struct GradParams {
  std::vector<std::pair<std::string, std::string>> items;
  GradParams(const OpAttrs& attrs, std::initializer_list<std::string_view> keep);
  GradParams& add(std::string k, std::string v) {
    items.emplace_back(std::move(k), std::move(v));
    return *this;
  }
  std::vector<ParamKV> view() const {
    std::vector<ParamKV> r;
    for (const auto& [k, v] : items) r.emplace_back(k, v);
    return r;
  }
};

class GradBuilder {
 public:
  virtual ~GradBuilder() = default;
  virtual const OpAttrs& attrs() const = 0;
  virtual int num_inputs() const = 0;
  virtual int num_outputs() const = 0;
  // The forward op's input i / output i (declared in the op's gradient reads).
  virtual GradValue input(int i) = 0;
  virtual GradValue output(int i) = 0;
  // The gradient of forward output i (zeros where it has none).
  virtual GradValue out_grad(int i) = 0;
  // The forward input's shape where known (Shape::unknown() otherwise).
  virtual Shape input_shape(int i) const = 0;
  // The forward input's dtype where known (-1 otherwise).
  virtual int input_dtype(int i) const = 0;
  // Applies a registered op (MXNet string parameters); its visible outputs.
  virtual std::vector<GradValue> apply(std::string_view op, const std::vector<GradValue>& inputs,
                                       const std::vector<ParamKV>& params = {}) = 0;
  // Applies a registered op with already parsed parameters of the same struct type.
  virtual std::vector<GradValue> apply(std::string_view op, const std::vector<GradValue>& inputs,
                                       const OpAttrs& params) = 0;
  virtual void set_input_grad(int i, GradValue grad) = 0;

  // The forward input's shape, which the gradient needs (a reshape back, a sum down to a broadcast operand's
  // shape): a clear error when it is not known. Using it instead of input(i) keeps the input's data from being
  // saved for backward.
  Shape known_input_shape(int i) const;
  // The forward input's dtype, which the gradient needs (Cast back): a clear error when it is not known.
  DType known_input_dtype(int i) const;

  // Shorthand for single-output ops.
  GradValue op(std::string_view name, const std::vector<GradValue>& inputs, const std::vector<ParamKV>& params = {}) {
    return apply(name, inputs, params)[0];
  }
};

}  // namespace sn
