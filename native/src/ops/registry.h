// The operator registry: each op declared once, with everything the rest of
// the system needs (ARCHITECTURE.md "Operators: one op, one place").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/param.h"
#include "core/shape.h"
#include "engine/engine.h"

namespace sn {

struct OpDef;
class GradBuilder;

// The parsed parameters of one op application.
struct OpAttrs {
  const OpDef* op = nullptr;
  std::shared_ptr<const void> params;  // the op's parameter struct (an empty struct for ops without params)
  template <class P>
  const P& get() const {
    return *static_cast<const P*>(params.get());
  }
};

// A dense tensor an op kernel reads or writes: contiguous, row-major.
struct TensorView {
  void* data = nullptr;
  Shape shape;
  DType dtype = DType::kFloat32;
  template <class T>
  T* ptr() const noexcept {
    return static_cast<T*>(data);
  }
  int64_t size() const { return shape.size(); }
};

// What a kernel gets besides its tensors.
struct OpContext {
  const RunContext& run;
  const OpAttrs& attrs;
  uint64_t random_seed = 0;      // ops that asked for random numbers: (seed, sequence) key Philox
  uint64_t random_sequence = 0;
  void* workspace = nullptr;     // ops that asked for temporary space: that many bytes, 64-byte aligned
  bool is_train = false;         // the call's training flag (Dropout, BatchNorm)
  template <class P>
  const P& params() const {
    return attrs.get<P>();
  }
};

// Shape inference (legacy semantics: unknown dims are -1, an unknown rank is Shape::unknown()).
// Fills whatever it can deduce in both directions; returns whether every output shape is known.
// Conflicts throw kShape errors naming the op and the shapes.
using InferShapeFn = bool (*)(const OpAttrs& attrs, std::vector<Shape>& in, std::vector<Shape>& out);
// Dtype inference: -1 is unknown. Conflicts throw kType errors.
using InferTypeFn = bool (*)(const OpAttrs& attrs, std::vector<int>& in, std::vector<int>& out);
using KernelFn = void (*)(const OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out);
// A kernel that finishes later (custom functions hand their work to their own workers): it gets the
// arrays themselves and calls `done` exactly once.
class NDArray;
using AsyncKernelFn = void (*)(const OpContext& ctx, std::span<const NDArray> in, std::span<const NDArray> out,
                               OnComplete done);
// Builds the gradients of the op's inputs with registered ops (Note [Gradients]).
using GradientFn = void (*)(GradBuilder& b);
using CountFn = int (*)(const OpAttrs& attrs);
// Bytes of temporary space a kernel needs for these input/output shapes and dtypes (0: none).
using WorkspaceFn = size_t (*)(const OpAttrs& attrs, std::span<const TensorView> in, std::span<const TensorView> out);

struct OpDef {
  int32_t id = -1;
  std::string name;                  // canonical: broadcast_add, Convolution, _plus_scalar
  std::vector<std::string> aliases;  // broadcast_plus, _PlusScalar
  std::vector<std::string> alias_hints;  // name_hint of each alias (static storage for the ABI)
  std::string doc;

  // Parameters (type-erased over the op's struct).
  const ParamSchema* schema = nullptr;
  std::shared_ptr<void> (*new_params)() = nullptr;  // a struct holding every default

  // Inputs: fixed names, or variadic (`variadic_key` counts them; names arg0, arg1, ...).
  std::vector<std::string> input_names;
  std::string variadic_key;
  CountFn num_inputs_fn = nullptr;
  std::vector<int> aux_inputs;  // inputs the op mutates (BatchNorm's moving statistics)
  // Trailing inputs present only when a parameter has a value (softmax's `length` when use_length=True,
  // FullyConnected's `bias` when no_bias=False), in input order.
  struct OptionalInput {
    int index = 0;
    std::string param, value;               // for introspection: present when param == value (MXNet spelling)
    bool (*present)(const OpAttrs&) = nullptr;
  };
  std::vector<OptionalInput> optional_inputs;

  // Outputs: visible ones first, then hidden ones only the gradient reads.
  std::vector<std::string> output_names;
  int num_visible_outputs = 1;
  CountFn num_outputs_fn = nullptr;  // variadic outputs (split)
  // Visible outputs that depend on a parameter (BatchNorm's output_mean_var shows its hidden ones);
  // introspection reports num_visible_outputs, the count under default parameters.
  CountFn num_visible_fn = nullptr;
  // Trailing hidden outputs present only when a parameter has a value (LeakyReLU's rrelu slopes, max
  // pooling's argmax): other settings allocate none. Same form as optional_inputs.
  std::vector<OptionalInput> optional_outputs;
  std::vector<std::pair<int, int>> inplace;  // (input, output) that may share memory
  // `__init__` attributes a symbol gives its variable inputs when they have none (MXNet's
  // FSetInputVarAttrOnCompose: BatchNorm's moving mean starts at zeros, its moving var at ones).
  std::vector<std::pair<int, std::string>> input_inits;

  InferShapeFn infer_shape = nullptr;
  InferTypeFn infer_type = nullptr;
  std::array<KernelFn, 4> kernels{};  // by DeviceType code
  AsyncKernelFn async_kernel = nullptr;  // instead of kernels, on every device
  std::span<const DType> dtypes;      // output dtypes the kernels support (checked before a kernel is pushed)

  // Resources the kernels request.
  bool needs_random = false;          // a Philox (seed, sequence) per call
  bool (*random_when)(const OpAttrs&) = nullptr;  // only calls for which this holds draw one (null: every call)
  WorkspaceFn workspace = nullptr;    // temporary space per call

  // Gradient (Note [Gradients]).
  GradientFn gradient = nullptr;
  bool zero_gradient = false;              // differentiable, with zero gradient for every input
  std::vector<bool> grad_reads_input;      // which forward inputs the gradient reads
  std::vector<bool> grad_reads_output;     // which forward outputs (hidden included) it reads

  int num_inputs(const OpAttrs& attrs) const {
    if (num_inputs_fn) return num_inputs_fn(attrs);
    for (const OptionalInput& o : optional_inputs)
      if (!o.present(attrs)) return o.index;  // the trailing optional inputs from the first absent one are absent
    return static_cast<int>(input_names.size());
  }
  // The optional-input entry for input i, or null when it is always present.
  const OptionalInput* optional_input(int i) const noexcept {
    for (const OptionalInput& o : optional_inputs)
      if (o.index == i) return &o;
    return nullptr;
  }
  int num_outputs(const OpAttrs& attrs) const {
    if (num_outputs_fn) return num_outputs_fn(attrs);
    for (const OptionalInput& o : optional_outputs)
      if (!o.present(attrs)) return o.index;
    return static_cast<int>(output_names.size());
  }
  int num_visible(const OpAttrs& attrs) const {
    if (num_outputs_fn) return num_outputs_fn(attrs);
    return num_visible_fn ? num_visible_fn(attrs) : num_visible_outputs;
  }
  bool variadic_inputs() const noexcept { return num_inputs_fn != nullptr; }
  std::string input_name(int i) const {
    return variadic_inputs() ? "arg" + std::to_string(i) : input_names[static_cast<size_t>(i)];
  }
  bool differentiable() const { return gradient != nullptr || zero_gradient; }
  // Whether a call with these parameters draws random numbers (and so takes a sequence number).
  bool draws_random(const OpAttrs& attrs) const { return needs_random && (!random_when || random_when(attrs)); }
  // MXNet's auto-naming hint for the op called by `name` (canonical or alias): that name lowercased,
  // so _PlusScalar names nodes _plusscalar0 while the graph records _plus_scalar.
  static std::string name_hint(std::string_view name);
  bool supports(DType t) const noexcept;
  KernelFn kernel(DeviceType type) const { return kernels[static_cast<size_t>(type)]; }

  // Parses MXNet string parameters (errors name the op).
  OpAttrs parse(std::span<const ParamKV> kwargs) const;
  // Sets typed parameters addressed by field index (errors name the op).
  OpAttrs parse(std::span<const IndexedParamValue> values) const;
  // The default parameters.
  OpAttrs defaults() const;
};

class OpRegistry {
 public:
  static OpRegistry& get();
  // By canonical name or alias; null if unknown.
  const OpDef* find(std::string_view name) const noexcept;
  // Like find, but an unknown name is a kNotFound error suggesting close names.
  const OpDef& at(std::string_view name) const;
  const OpDef& at(int32_t id) const;
  std::span<const OpDef* const> all() const noexcept { return ops_; }
  OpDef& add(std::string name);
  void add_alias(OpDef& op, std::string alias);

 private:
  // Names and aliases (looked up by string_view without a copy).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<const OpDef*> ops_;
  std::vector<std::unique_ptr<OpDef>> storage_;
  std::unordered_map<std::string, const OpDef*, Hash, std::equal_to<>> by_name_;
};

// Fluent registration, used once per op in its own file (a registrar is a handle on the registry's
// OpDef: kept by value in a static, nothing is allocated for it):
//   [[maybe_unused]] OpRegistrar r_add = OpRegistrar("broadcast_add").describe("...").inputs({"lhs", "rhs"})...;
class OpRegistrar {
 public:
  explicit OpRegistrar(const char* name) : def_(OpRegistry::get().add(name)) {}
  OpRegistrar& describe(std::string doc) {
    def_.doc = std::move(doc);
    return *this;
  }
  OpRegistrar& alias(std::string name) {
    OpRegistry::get().add_alias(def_, std::move(name));
    return *this;
  }
  template <class P>
  OpRegistrar& params() {
    def_.schema = &param_schema<P>();
    def_.new_params = [] {
      auto p = std::make_shared<P>();
      param_schema<P>().reset(p.get());
      return std::shared_ptr<void>(p);
    };
    return *this;
  }
  OpRegistrar& inputs(std::vector<std::string> names) {
    def_.input_names = std::move(names);
    return *this;
  }
  OpRegistrar& variadic_inputs(std::string key, CountFn count) {
    def_.variadic_key = std::move(key);
    def_.num_inputs_fn = count;
    return *this;
  }
  // Input `index` (and those after it) exists only when parameter `param` (the field Member) equals When: e.g.
  //   .optional_input<SoftmaxParam, &SoftmaxParam::use_length, true>(1, "use_length")
  // The value's MXNet spelling ("True", "prelu") comes from the parameter schema.
  template <class P, auto Member, auto When>
  OpRegistrar& optional_input(int index, const char* param) {
    def_.optional_inputs.push_back(condition<P, Member, When>(index, param));
    return *this;
  }
  // Hidden output `index` (and those after it) exists only when parameter `param` equals When: e.g.
  //   .optional_output<LeakyReLUParam, &LeakyReLUParam::act_type, Leaky::kRrelu>(1, "act_type")
  template <class P, auto Member, auto When>
  OpRegistrar& optional_output(int index, const char* param) {
    def_.optional_outputs.push_back(condition<P, Member, When>(index, param));
    return *this;
  }
  OpRegistrar& aux(std::vector<int> mutated) {
    def_.aux_inputs = std::move(mutated);
    return *this;
  }
  OpRegistrar& outputs(std::vector<std::string> names, int visible = -1) {
    def_.num_visible_outputs = visible < 0 ? static_cast<int>(names.size()) : visible;
    def_.output_names = std::move(names);
    return *this;
  }
  OpRegistrar& visible_outputs(CountFn count) {
    def_.num_visible_fn = count;
    return *this;
  }
  OpRegistrar& variadic_outputs(CountFn count) {
    def_.num_outputs_fn = count;
    return *this;
  }
  // Variable input `index` of a symbol gets `__init__ = init` (MXNet's JSON spelling, e.g. ["zero", {}]).
  OpRegistrar& input_init(int index, std::string init) {
    def_.input_inits.emplace_back(index, std::move(init));
    return *this;
  }
  OpRegistrar& inplace(std::vector<std::pair<int, int>> pairs) {
    def_.inplace = std::move(pairs);
    return *this;
  }
  OpRegistrar& infer_shape(InferShapeFn f) {
    def_.infer_shape = f;
    return *this;
  }
  OpRegistrar& infer_type(InferTypeFn f) {
    def_.infer_type = f;
    return *this;
  }
  OpRegistrar& kernel(DeviceType device, KernelFn f) {
    def_.kernels[static_cast<size_t>(device)] = f;
    return *this;
  }
  // The dtypes the kernels handle, as a DTypeTable.
  template <class Table>
  OpRegistrar& dtypes() {
    def_.dtypes = Table::dtypes;
    return *this;
  }
  OpRegistrar& async_kernel(AsyncKernelFn f) {
    def_.async_kernel = f;
    return *this;
  }
  OpRegistrar& random() {
    def_.needs_random = true;
    return *this;
  }
  // Random numbers only when parameter Member equals When (LeakyReLU's rrelu): other calls leave the sequence, and
  // so every later random op's draws, as they were.
  template <class P, auto Member, auto When>
  OpRegistrar& random_when() {
    def_.needs_random = true;
    def_.random_when = [](const OpAttrs& a) { return a.get<P>().*Member == When; };
    return *this;
  }
  OpRegistrar& workspace(WorkspaceFn f) {
    def_.workspace = f;
    return *this;
  }
  // The gradient reads these forward inputs and outputs (indices); nothing else is kept alive for it.
  OpRegistrar& gradient(GradientFn f, std::vector<int> reads_inputs = {}, std::vector<int> reads_outputs = {});
  OpRegistrar& zero_gradient() {
    def_.zero_gradient = true;
    return *this;
  }

 private:
  template <class P, auto Member, auto When>
  static OpDef::OptionalInput condition(int index, const char* param) {
    OpDef::OptionalInput o;
    o.index = index;
    o.param = param;
    P probe;
    param_schema<P>().reset(&probe);
    probe.*Member = When;
    for (auto& [name, value] : param_schema<P>().print(&probe))
      if (name == param) o.value = value;  // stays empty for a misnamed param: a registry test catches it
    o.present = [](const OpAttrs& a) { return a.get<P>().*Member == When; };
    return o;
  }
  OpDef& def_;
};

// Ops without parameters.
struct NoParams {
  static void describe(ParamBuilder<NoParams>&) {}
};

}  // namespace sn
