#include "graph/graph_runner.h"

#include <algorithm>
#include <tuple>

#include "core/error.h"
#include "core/str.h"
#include "engine/engine.h"
#include "ops/imperative.h"

namespace sn {

NDArray BufferPool::take(size_t bytes, DType dtype, std::vector<const void*>& used) {
  for (const NDArray& b : buffers_) {
    if (b.dtype() != dtype || b.nbytes() < bytes) continue;
    if (std::find(used.begin(), used.end(), b.chunk().get()) != used.end()) continue;
    used.push_back(b.chunk().get());
    return b;
  }
  const auto item = static_cast<size_t>(dtype_size(dtype));
  NDArray b = NDArray::empty(Shape{static_cast<int64_t>(std::max<size_t>((bytes + item - 1) / item, 1))}, dtype,
                             device_);
  buffers_.push_back(b);
  used.push_back(b.chunk().get());
  return b;
}

size_t BufferPool::bytes() const noexcept {
  size_t total = 0;
  for (const NDArray& b : buffers_) total += b.nbytes();
  return total;
}

struct GraphRunner::State {
  struct Step {
    KernelFn kernel = nullptr;
    OpAttrs attrs;
    std::vector<TensorView> in, out;
    std::vector<VarHandle> reads, writes;
    size_t workspace = 0;
    bool random = false;
    bool tiny = false;
    const char* name = "op";
    OprHandle opr[2] = {nullptr, nullptr};  // by training flag
  };
  Device device;
  std::vector<Step> steps;

  void exec(size_t i, const RunContext& ctx, bool train, uint64_t seed, uint64_t sequence) const {
    const Step& s = steps[i];
    OpContext oc{ctx, s.attrs, seed, sequence};
    oc.is_train = train;
    run_kernel(s.kernel, oc, s.in, s.out, s.workspace);
  }
};

namespace {

std::string node_text(const Node& n) { return str("node '", n.name, "' (", n.attrs.op->name, ")"); }

}  // namespace

GraphRunner::GraphRunner(const IndexedGraph& g, const std::vector<Shape>& shapes, const std::vector<int>& dtypes,
                         const std::unordered_map<size_t, NDArray>& external, std::span<const size_t> keep,
                         const Device& device, const RunnerOptions& options, std::shared_ptr<BufferPool> pool)
    : state_(std::make_shared<State>()), pool_(std::move(pool)), bulk_max_(options.bulk_max) {
  const size_t n_entries = g.num_entries();
  SN_INTERNAL_ASSERT(shapes.size() == n_entries && dtypes.size() == n_entries, "GraphRunner: ", n_entries,
                     " entries but ", shapes.size(), " shapes and ", dtypes.size(), " dtypes");
  if (!pool_) pool_ = std::make_shared<BufferPool>(device);
  SN_INTERNAL_ASSERT(pool_->device() == device, "GraphRunner: the shared buffers live on ", pool_->device(),
                     ", not on ", device);
  state_->device = device;

  // The plan.
  PlanRequest req;
  req.match_range = options.match_range;
  req.allow_inplace = options.allow_inplace;
  req.allow_sharing = options.allow_sharing;
  req.bytes.resize(n_entries);
  req.kind.resize(n_entries);
  req.external.assign(n_entries, false);
  for (size_t e = 0; e < n_entries; ++e) {
    req.bytes[e] = static_cast<size_t>(shapes[e].size()) * static_cast<size_t>(dtype_size(static_cast<DType>(dtypes[e])));
    req.kind[e] = dtypes[e];
  }
  for (const auto& [e, a] : external) req.external[e] = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    if (n.is_variable()) {
      SN_INTERNAL_ASSERT(req.external[g.row_ptr[i]], "GraphRunner: variable '", n.name, "' has no array");
      continue;
    }
    PlanRequest::Step s;
    for (const NodeEntry& in : n.inputs) s.inputs.push_back(static_cast<uint32_t>(g.entry(in)));
    for (size_t k = g.row_ptr[i]; k < g.row_ptr[i + 1]; ++k) s.outputs.push_back(static_cast<uint32_t>(k));
    s.inplace = n.attrs.op->inplace;
    req.steps.push_back(std::move(s));
  }
  for (size_t e : keep) req.keep.push_back(static_cast<uint32_t>(e));
  plan_ = plan_memory(req);

  // Buffers and views.
  std::vector<NDArray> blocks(plan_.block_bytes.size());
  std::vector<const void*> used;
  for (size_t b = 0; b < blocks.size(); ++b) {
    blocks[b] = pool_->take(plan_.block_bytes[b], static_cast<DType>(plan_.block_kind[b]), used);
    blocks[b].ensure_allocated();
  }
  values_.resize(n_entries);
  for (size_t e = 0; e < n_entries; ++e) {
    const int b = plan_.block[e];
    if (b != MemoryPlan::kExternal) {
      values_[e] = blocks[static_cast<size_t>(b)].flat_view(0, shapes[e].size(), shapes[e]);
      continue;
    }
    auto it = external.find(e);
    if (it == external.end()) continue;  // an entry no step writes or reads
    const NDArray& a = it->second;
    SN_CHECK_SHAPE(a.shape() == shapes[e] && static_cast<int>(a.dtype()) == dtypes[e] && a.device() == device,
                   "GraphRunner: the array bound to entry ", e, " has shape ", a.shape(), ", dtype ", a.dtype(),
                   " and device ", a.device(), " but the graph computes shape ", shapes[e], ", dtype ",
                   static_cast<DType>(dtypes[e]), " on ", device);
    values_[e] = a;
    values_[e].ensure_allocated();
  }

  // The steps.
  Engine& engine = Engine::get();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    if (n.is_variable()) continue;
    const OpDef& op = *n.attrs.op;
    SN_CHECK_WITH_CODE_(kUnsupported, op.async_kernel == nullptr, node_text(n),
                        ": custom functions cannot run in a bound graph");
    KernelFn kernel = op.kernel(device.type);
    SN_CHECK_WITH_CODE_(kUnsupported, kernel != nullptr, node_text(n), ": has no kernel for ", device);
    State::Step s;
    s.kernel = kernel;
    s.attrs = n.attrs;
    s.name = op.name.c_str();
    int64_t elements = 0;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const NDArray& a = values_[g.entry(n.inputs[k])];
      s.in.push_back(TensorView{a.data(), a.shape(), a.dtype()});
      const bool mutated = std::find(op.aux_inputs.begin(), op.aux_inputs.end(), static_cast<int>(k)) !=
                           op.aux_inputs.end();
      (mutated ? s.writes : s.reads).push_back(a.var());
      elements += a.size();
    }
    const int visible = op.num_visible(n.attrs);
    for (size_t k = g.row_ptr[i]; k < g.row_ptr[i + 1]; ++k) {
      const NDArray& a = values_[k];
      if (static_cast<int>(k - g.row_ptr[i]) < visible && !op.supports(a.dtype())) {
        try {
          throw_unsupported_dtype(op.name, a.dtype(), op.dtypes);
        } catch (const Error& e) {
          throw_error(e.code(), str("Error in operator ", n.name, ": ", e.message()));
        }
      }
      s.out.push_back(TensorView{a.data(), a.shape(), a.dtype()});
      s.writes.push_back(a.var());
      elements += a.size();
    }
    s.workspace = op.workspace ? op.workspace(n.attrs, s.in, s.out) : 0;
    s.random = op.draws_random(n.attrs);
    s.tiny = elements <= kTinyOpElements && s.workspace == 0;
    state_->steps.push_back(std::move(s));
  }
  for (size_t i = 0; i < state_->steps.size(); ++i) {
    State::Step& s = state_->steps[i];
    if (s.random || s.tiny) continue;  // pushed per run
    for (int train = 0; train < 2; ++train) {
      s.opr[train] = engine.new_operator(
          [st = state_, i, train](const RunContext& ctx, OnComplete done) {
            try {
              st->exec(i, ctx, train != 0, 0, 0);
            } catch (...) {
              done(std::current_exception());
              return;
            }
            done();
          },
          s.reads, s.writes, PushOptions{.name = s.name});
    }
  }
}

GraphRunner::~GraphRunner() {
  Engine& engine = Engine::get();
  for (State::Step& s : state_->steps)
    for (OprHandle& o : s.opr)
      if (o != nullptr) engine.delete_operator(o);
}

size_t GraphRunner::num_steps() const noexcept { return state_->steps.size(); }

void GraphRunner::run(size_t begin, size_t end, bool is_train) {
  Engine& engine = Engine::get();
  struct Bulk {
    Engine& engine;
    bool open = false;
    ~Bulk() {
      if (open) engine.bulk_end();
    }
  } bulk{engine};
  const Device& dev = state_->device;
  for (size_t i = begin; i < end && i < state_->steps.size(); ++i) {
    const State::Step& s = state_->steps[i];
    const bool bulked = s.tiny && bulk_max_ > 1;
    if (bulked != bulk.open) {
      if (bulked) engine.bulk_begin(bulk_max_);
      else engine.bulk_end();
      bulk.open = bulked;
    }
    if (s.opr[0] != nullptr) {
      engine.push_operator(s.opr[is_train ? 1 : 0], dev);
      continue;
    }
    uint64_t seed = 0, sequence = 0;
    if (s.random) std::tie(seed, sequence) = next_random_key();
    engine.push([st = state_, i, is_train, seed, sequence](const RunContext& ctx) {
      st->exec(i, ctx, is_train, seed, sequence);
    }, dev, s.reads, s.writes, PushOptions{.inline_if_ready = !bulked && s.tiny, .name = s.name});
  }
}

}  // namespace sn
