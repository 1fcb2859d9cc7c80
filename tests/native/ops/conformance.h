// The conformance harness: every registered op has one entry here (forward
// against a float64 reference, gradient against directional finite
// differences of that reference). Entries live in *_conformance.cc files.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/param.h"
#include "core/shape.h"

namespace sn::conformance {

// A float64 tensor for references.
struct Ref {
  Shape shape;
  std::vector<double> v;
  int64_t size() const { return static_cast<int64_t>(v.size()); }
};

using Params = std::vector<std::pair<std::string, std::string>>;
// The op's visible outputs from its inputs, in float64; after them, optionally, the new values of the inputs the op
// mutates (its aux_inputs, in that order), which the forward check then compares too.
using RefFn = std::function<std::vector<Ref>(const std::vector<Ref>& in, const Params& params)>;

struct Case {
  std::string op;
  Params params;
  std::vector<Shape> shapes;                    // input shapes
  std::vector<std::pair<double, double>> domain;  // per input: [lo, hi] (one entry applies to all)
  RefFn reference;
  // Forward checked in each (inputs rounded to it; integers drawn as whole numbers).
  std::vector<DType> dtypes = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16};
  bool gradient = true;  // false: the op declares a zero gradient though its output depends on the input
  // No derivative to compare: integer outputs (Cast to int32; another entry checks it), or an op registered without a
  // gradient (optimizer updates; backward through one is an error).
  bool skip_gradient = false;
  // Why the op's gradient is not differentiable again (pooling's backward, as MXNet); empty: it is, and
  // second-order gradients are checked.
  std::string first_order_only;
  // The forward check runs in training mode (BatchNorm's batch statistics; the gradient checks always do).
  bool train = false;
  double rtol = 1e-5;      // forward, relative to max(|ref|, 1)
  double grad_rtol = 2e-3;  // directional derivatives
  // Inputs kept away from a kink or tie: values within `avoid` of any of these are resampled.
  std::vector<double> avoid_points;
  double avoid = 0;
  std::string label;  // distinguishes several cases of one op
  // Output dtypes where they are not the inputs' (argmax: float32; cast: its parameter): one per visible
  // output, -1 for "the inputs' dtype".
  std::vector<int> out_dtypes;
  // Input dtypes where they are not the checked dtype (mp_ updates: float32 states beside a float16 weight): one per
  // input, -1 for "the checked dtype". Forward checks only.
  std::vector<int> in_dtypes;
  // Inputs that hold whole numbers (indices, conditions): drawn as integers in their domain in every dtype
  // and held fixed by the gradient checks.
  std::vector<int> fixed_inputs;
  // Shapes the random inputs into what the op needs (a symmetric positive definite matrix); it must stay
  // meaningful under small perturbations, which the gradient checks apply after it.
  std::function<void(std::vector<Ref>&)> prepare;
  bool fixed(size_t input) const {
    for (int f : fixed_inputs)
      if (static_cast<size_t>(f) == input) return true;
    return false;
  }
  DType in_dtype(size_t input, DType t) const {
    return input < in_dtypes.size() && in_dtypes[input] >= 0 ? static_cast<DType>(in_dtypes[input]) : t;
  }
  DType out_dtype(size_t output, DType in) const {
    return output < out_dtypes.size() && out_dtypes[output] >= 0 ? static_cast<DType>(out_dtypes[output]) : in;
  }
};

// Registry of cases, filled by static initializers in the *_conformance.cc files.
std::vector<Case>& cases();
struct AddCase {
  explicit AddCase(Case c) { cases().push_back(std::move(c)); }
};
// Ops deliberately covered elsewhere (samplers: statistics, not a reference), with the reason.
std::map<std::string, std::string>& covered_elsewhere();

// Reference helpers.
Ref broadcast_binary(const Ref& a, const Ref& b, const std::function<double(double, double)>& f);
Ref map(const Ref& a, const std::function<double(double)>& f);
// References of elementwise ops from a scalar function: f(x); f(a, b) with broadcasting; f(x, "scalar" param).
RefFn unary_ref(std::function<double(double)> f);
RefFn binary_ref(std::function<double(double, double)> f);
RefFn scalar_ref(std::function<double(double, double)> f);
Shape broadcast(const Shape& a, const Shape& b);
std::string param(const Params& p, const std::string& key, const std::string& dflt);

// Dtype sets for entries.
inline const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16};
inline const std::vector<DType> kFloatsAndInts = {DType::kFloat32, DType::kFloat64, DType::kFloat16,
                                                  DType::kBFloat16, DType::kInt32,   DType::kInt64};

}  // namespace sn::conformance
