#include "ops/imperative.h"

#include <algorithm>
#include <atomic>
#include <tuple>

#include "core/error.h"
#include "core/small_vector.h"
#include "core/recycler.h"
#include "core/str.h"
#include "core/threading.h"
#include "storage/storage.h"

namespace sn {

namespace {

std::atomic<RecordHook> g_record_hook{nullptr};
std::atomic<uint64_t> g_seed{0};
std::atomic<uint64_t> g_random_sequence{0};

std::string shape_list(const std::vector<Shape>& shapes) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + shapes[i].to_string();
  return out;
}

// One kernel launch, kept alive by the engine op until it runs. Recycled alive (ObjectRecycler, Note
// [Recycler]): filled on the pushing thread, run on a worker, and overwritten by the next push, so the
// parameters' reference count is only ever touched by pushing threads. Tensors inline up to kInline.
struct KernelCall {
  static constexpr size_t kInline = 4;
  KernelFn kernel = nullptr;
  OpAttrs attrs;
  uint64_t seed = 0, sequence = 0;
  size_t workspace = 0;
  bool is_train = false;
  size_t n_in = 0, n_out = 0;
  std::array<TensorView, kInline> in_inline, out_inline;
  std::vector<TensorView> in_heap, out_heap;  // more than kInline tensors

  // Ready for a new launch (what the previous one held is released here, on the pushing thread).
  void reset(KernelFn k, const OpAttrs& a) {
    kernel = k;
    attrs = a;
    seed = sequence = 0;
    workspace = 0;
    is_train = false;
    n_in = n_out = 0;
    in_heap.clear();
    out_heap.clear();
  }
  void add_in(TensorView t) { add(std::move(t), in_inline, in_heap, n_in); }
  void add_out(TensorView t) { add(std::move(t), out_inline, out_heap, n_out); }
  std::span<const TensorView> in() const { return n_in <= kInline ? std::span(in_inline.data(), n_in) : in_heap; }
  std::span<const TensorView> out() const { return n_out <= kInline ? std::span(out_inline.data(), n_out) : out_heap; }

 private:
  static void add(TensorView t, std::array<TensorView, kInline>& small, std::vector<TensorView>& heap, size_t& n) {
    if (n < kInline) {
      small[n++] = std::move(t);
      return;
    }
    if (n == kInline) heap.assign(small.begin(), small.end());
    heap.push_back(std::move(t));
    ++n;
  }
};

struct KernelCallRecycle {
  void operator()(KernelCall* c) const noexcept { ObjectRecycler<KernelCall>::give(c); }
};

// Scratch for the meta step, reused by each thread (invoke does not nest on a thread).
struct MetaScratch {
  std::vector<Shape> in_shapes, out_shapes;
  std::vector<int> in_types, out_types;
};
SN_HOT_THREAD_LOCAL MetaScratch t_meta;

// Ops without inputs (samplers, fills) may name their device in a "ctx" parameter ("cpu(1)").
Device device_of(const OpAttrs& attrs, const Device& fallback) {
  const ParamField* f = attrs.op->schema->find("ctx");
  if (f == nullptr || f->kind != ParamKind::kString) return fallback;
  std::string text = f->access->print(*f, attrs.params.get());
  if (text.empty()) return fallback;
  auto d = parse_device(text);
  SN_CHECK(d.has_value(), attrs.op->name, ": parameter 'ctx' expects a device such as cpu(0) or gpu(1), got '", text, "'");
  return *d;
}

// Ops whose kernel finishes later get the arrays themselves (without autograd state) and complete the
// engine op when their work is done.
void push_async_kernel(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<const NDArray> outputs,
                       const Device& dev, bool is_train) {
  const OpDef& op = *attrs.op;
  struct AsyncCall {
    AsyncKernelFn kernel;
    OpAttrs attrs;
    std::vector<NDArray> in, out;
    bool is_train = false;
  };
  auto call = std::make_unique<AsyncCall>();
  call->kernel = op.async_kernel;
  call->attrs = attrs;
  call->is_train = is_train;
  SmallVector<VarHandle, 4> reads, writes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    NDArray a = inputs[i];
    a.autograd.reset();
    a.ensure_allocated();
    bool mutated = std::find(op.aux_inputs.begin(), op.aux_inputs.end(), static_cast<int>(i)) != op.aux_inputs.end();
    (mutated ? writes : reads).push_back(a.var());
    call->in.push_back(std::move(a));
  }
  for (const NDArray& o : outputs) {
    NDArray a = o;
    a.autograd.reset();
    a.ensure_allocated();
    writes.push_back(a.var());
    call->out.push_back(std::move(a));
  }
  Engine::get().push_async([c = std::move(call)](const RunContext& ctx, OnComplete done) {
    OpContext oc{ctx, c->attrs};
    oc.is_train = c->is_train;
    c->kernel(oc, c->in, c->out, done);
  }, dev, reads, writes, PushOptions{.name = op.name.c_str()});
}

}  // namespace

void set_record_hook(RecordHook hook) noexcept { g_record_hook.store(hook); }

void set_random_seed(uint64_t seed) noexcept {
  g_seed.store(seed);
  g_random_sequence.store(0);
}

std::pair<uint64_t, uint64_t> next_random_key() noexcept {
  return {g_seed.load(), g_random_sequence.fetch_add(1)};
}

void run_kernel(KernelFn kernel, OpContext& ctx, std::span<const TensorView> in, std::span<const TensorView> out,
                size_t workspace) {
  if (workspace == 0) {
    kernel(ctx, in, out);
    return;
  }
  Storage& pool = Storage::of(ctx.run.device);
  StorageHandle ws = pool.alloc(workspace, ctx.run.device);
  struct Release {
    Storage& pool;
    StorageHandle& h;
    ~Release() { pool.free(h); }
  } release{pool, ws};
  ctx.workspace = ws.ptr;
  kernel(ctx, in, out);
}

void infer_outputs(const OpAttrs& attrs, std::vector<Shape>& in_shapes, std::vector<Shape>& out_shapes,
                   std::vector<int>& in_types, std::vector<int>& out_types) {
  const OpDef& op = *attrs.op;
  SN_INTERNAL_ASSERT(op.infer_shape && op.infer_type, "op '", op.name, "' has no shape or type inference");
  if (!op.infer_shape(attrs, in_shapes, out_shapes)) {
    SN_THROW(kShape, op.name, ": cannot infer the output shapes from input shapes ", shape_list(in_shapes));
  }
  for (const Shape& s : out_shapes) {
    SN_CHECK_SHAPE(s.is_known(), op.name, ": output shape ", s, " is not fully known from input shapes ",
                   shape_list(in_shapes));
    int64_t elements = 1;
    bool fits = true;
    for (int64_t d : s.dims()) fits = fits && d >= 0 && !__builtin_mul_overflow(elements, d, &elements);
    SN_CHECK_SHAPE(fits, op.name, ": the output would have shape ", s, ", which has more elements than can be "
                   "addressed");
  }
  if (!op.infer_type(attrs, in_types, out_types)) {
    SN_THROW(kType, op.name, ": cannot infer the output dtypes");
  }
}

std::vector<NDArray> invoke(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<const NDArray> outs,
                            const InvokeFlags& flags, const Device& device) {
  ArrayList results;
  invoke_into(attrs, inputs, outs, flags, device, results);
  auto r = results.span();
  return std::vector<NDArray>(r.begin(), r.end());
}

bool MetaCache::lookup(std::span<const NDArray> inputs, std::vector<Shape>& out_shapes, std::vector<int>& out_types) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !valid_ || inputs.size() != in_shapes_.size()) return false;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (static_cast<int>(inputs[i].dtype()) != in_types_[i] || inputs[i].shape() != in_shapes_[i]) return false;
  out_shapes = out_shapes_;
  out_types = out_types_;
  return true;
}

void MetaCache::store(std::span<const NDArray> inputs, const std::vector<Shape>& out_shapes,
                      const std::vector<int>& out_types) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  in_shapes_.clear();
  in_types_.clear();
  for (const NDArray& a : inputs) {
    in_shapes_.push_back(a.shape());
    in_types_.push_back(static_cast<int>(a.dtype()));
  }
  out_shapes_ = out_shapes;
  out_types_ = out_types;
  valid_ = true;
}

void invoke_into(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<const NDArray> outs,
                 const InvokeFlags& flags, const Device& device, ArrayList& outputs, MetaCache* cache) {
  const OpDef& op = *attrs.op;
  const int n_in = op.num_inputs(attrs);
  if (static_cast<int>(inputs.size()) != n_in) {
    std::string names;
    for (int i = 0; i < n_in; ++i) names += (i ? ", " : "") + op.input_name(i);
    std::string hint;  // an optional input given or missed: say which parameter decides it
    for (const OpDef::OptionalInput& o : op.optional_inputs)
      hint += str("; input ", o.index, " (", op.input_names[static_cast<size_t>(o.index)], ") is there when ", o.param,
                  "=", o.value);
    SN_THROW(kInvalidArgument, op.name, ": expected ", n_in, " input(s) (", names, "), got ", inputs.size(), hint);
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    SN_CHECK(!inputs[i].is_none(), op.name, ": input ", i, " (", op.input_name(static_cast<int>(i)), ") is empty");
  Device dev = inputs.empty() ? device_of(attrs, device) : inputs[0].device();
  for (size_t i = 1; i < inputs.size(); ++i) {
    SN_CHECK(inputs[i].device() == dev, op.name, ": all inputs must live on the same context, but input 0 is on ",
             dev, " and input ", i, " is on ", inputs[i].device());
  }
  check_device_available(dev, op.name);

  // Meta: shapes and dtypes of every output.
  const int n_out = op.num_outputs(attrs);
  const int n_visible = op.num_visible(attrs);
  SN_CHECK(outs.size() <= static_cast<size_t>(n_visible), op.name, ": got ", outs.size(), " out arrays but ", op.name,
           " has ", n_visible, " output(s)");
  MetaScratch& meta = t_meta;
  std::vector<Shape>& in_shapes = meta.in_shapes;
  std::vector<Shape>& out_shapes = meta.out_shapes;
  std::vector<int>& in_types = meta.in_types;
  std::vector<int>& out_types = meta.out_types;
  if (cache == nullptr || !cache->lookup(inputs, out_shapes, out_types)) {
    in_shapes.clear();
    in_types.clear();
    out_shapes.assign(static_cast<size_t>(n_out), Shape::unknown());
    out_types.assign(static_cast<size_t>(n_out), -1);
    for (const NDArray& a : inputs) {
      in_shapes.push_back(a.shape());
      in_types.push_back(static_cast<int>(a.dtype()));
    }
    infer_outputs(attrs, in_shapes, out_shapes, in_types, out_types);
    // Visible outputs only: hidden ones are the op's own business (max pooling's int32 argmax).
    for (int i = 0; i < n_visible; ++i) {
      const auto t = static_cast<DType>(out_types[static_cast<size_t>(i)]);
      if (!op.supports(t)) throw_unsupported_dtype(op.name, t, op.dtypes);
    }
    if (cache != nullptr) cache->store(inputs, out_shapes, out_types);
  }

  // Outputs: new arrays, or the caller's `out` arrays checked against the inference.
  for (int i = 0; i < n_out; ++i) {
    const Shape& s = out_shapes[static_cast<size_t>(i)];
    DType t = static_cast<DType>(out_types[static_cast<size_t>(i)]);
    if (static_cast<size_t>(i) < outs.size() && !outs[static_cast<size_t>(i)].is_none()) {
      const NDArray& o = outs[static_cast<size_t>(i)];
      SN_CHECK_SHAPE(o.shape() == s && o.dtype() == t, op.name, ": out has shape ", o.shape(), " and dtype ", o.dtype(),
                     " but the result has shape ", s, " and dtype ", t);
      SN_CHECK(o.device() == dev, op.name, ": out lives on ", o.device(), " but the inputs on ", dev);
      SN_CHECK(!(flags.recording && o.autograd), op.name,
               ": cannot write in place into an array recorded by autograd (it has history or an attached gradient); "
               "write into a new array, or pause recording");
      for (size_t k = 0; k < inputs.size(); ++k) {
        if (!o.same_chunk(inputs[k])) continue;
        bool declared = false;
        for (auto [pi, po] : op.inplace) declared |= pi == static_cast<int>(k) && po == i;
        bool exact = o.byte_offset() == inputs[k].byte_offset() && o.nbytes() == inputs[k].nbytes();
        SN_CHECK(declared && exact, op.name, ": out shares memory with input ", k, " (", op.input_name(static_cast<int>(k)),
                 "), and ", op.name, " cannot write over that input");
      }
      outputs.push_back(o);
    } else {
      outputs.push_back(NDArray::empty(s, t, dev));
    }
  }

  if (flags.recording) {
    if (RecordHook hook = g_record_hook.load()) hook(attrs, inputs, outputs.mutable_span(), flags);
  }
  SN_CHECK_WITH_CODE_(kUnsupported, !flags.deferred, op.name,
                      ": deferred compute (tracing a hybridized block) is not available in this version");

  if (op.async_kernel) {
    push_async_kernel(attrs, inputs, outputs.span(), dev, flags.training);
    return;
  }
  // Push the kernel: reads the inputs, writes the outputs and the mutated auxiliary inputs.
  KernelFn kernel = op.kernel(dev.type);
  SN_CHECK_WITH_CODE_(kUnsupported, kernel != nullptr, op.name, ": has no kernel for ", dev);
  std::unique_ptr<KernelCall, KernelCallRecycle> call(ObjectRecycler<KernelCall>::take());
  call->reset(kernel, attrs);
  SmallVector<VarHandle, 4> reads, writes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const NDArray& a = inputs[i];
    a.ensure_allocated();
    call->add_in(TensorView{a.data(), a.shape(), a.dtype()});
    bool mutated = std::find(op.aux_inputs.begin(), op.aux_inputs.end(), static_cast<int>(i)) != op.aux_inputs.end();
    (mutated ? writes : reads).push_back(a.var());
  }
  for (const NDArray& o : outputs.span()) {
    o.ensure_allocated();
    call->add_out(TensorView{o.data(), o.shape(), o.dtype()});
    writes.push_back(o.var());
  }
  if (op.draws_random(attrs)) std::tie(call->seed, call->sequence) = next_random_key();
  if (op.workspace) call->workspace = op.workspace(attrs, call->in(), call->out());
  // Ops on a few elements run in place when their inputs are ready (Note [Running tiny ops in place]).
  int64_t elements = 0;
  for (const TensorView& t : call->out()) elements += t.size();
  for (const TensorView& t : call->in()) elements += t.size();
  const bool tiny = elements <= kTinyOpElements && call->workspace == 0;
  call->is_train = flags.training;
  Engine::get().push([c = std::move(call)](const RunContext& ctx) {
    OpContext oc{ctx, c->attrs, c->seed, c->sequence};
    oc.is_train = c->is_train;
    run_kernel(c->kernel, oc, c->in(), c->out(), c->workspace);
  }, dev, reads, writes, PushOptions{.inline_if_ready = tiny, .name = op.name.c_str()});
}

}  // namespace sn
