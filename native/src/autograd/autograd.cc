#include "autograd/autograd.h"

#include <unordered_map>

#include "core/error.h"
#include "ndarray/builtin.h"
#include "ops/imperative.h"

namespace sn {

namespace {

// What autograd keeps per graph node (Node::info).
struct AGInfo {
  // Recorded ops: the forward inputs/outputs their gradient reads, with their versions at record time.
  std::vector<NDArray> saved_inputs, saved_outputs;
  std::vector<uint64_t> input_versions, output_versions;
  std::vector<Shape> out_shapes;
  std::vector<DType> out_dtypes;
  Device device;
  bool freed = false;
  // Variables and constants.
  bool is_variable = false;
  Shape shape;
  DType dtype = DType::kFloat32;
  NDArray grad;  // attached gradient buffer (none for constants)
  GradReq req = GradReq::kNull;
};

AGInfo& info_of(const Node& n) { return *static_cast<AGInfo*>(n.info.get()); }

NodePtr make_leaf(const NDArray& x, std::string name) {
  NodePtr n = Node::variable(std::move(name));
  auto info = std::make_shared<AGInfo>();
  info->is_variable = true;
  info->shape = x.shape();
  info->dtype = x.dtype();
  info->device = x.device();
  n->info = info;
  return n;
}

void record_op(const OpAttrs& attrs, std::span<const NDArray> inputs, std::span<NDArray> outputs,
               const InvokeFlags& flags) {
  bool tracked = false;
  for (const NDArray& in : inputs) tracked = tracked || in.autograd != nullptr;
  if (!tracked) return;
  const OpDef& op = *attrs.op;
  std::vector<NodeEntry> entries;
  entries.reserve(inputs.size());
  for (const NDArray& in : inputs) {
    entries.push_back(in.autograd ? NodeEntry{in.autograd->node, in.autograd->index}
                                  : NodeEntry{make_leaf(in, "constant"), 0});
  }
  NodePtr node = Node::op(attrs, std::move(entries), op.name);
  auto info = std::make_shared<AGInfo>();
  info->device = outputs.empty() ? inputs[0].device() : outputs[0].device();
  info->saved_inputs.resize(inputs.size());
  info->input_versions.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i < op.grad_reads_input.size() && op.grad_reads_input[i]) {
      info->saved_inputs[i] = inputs[i];
      info->input_versions[i] = inputs[i].version();
    }
  }
  info->saved_outputs.resize(outputs.size());
  info->output_versions.resize(outputs.size());
  for (size_t j = 0; j < outputs.size(); ++j) {
    info->out_shapes.push_back(outputs[j].shape());
    info->out_dtypes.push_back(outputs[j].dtype());
    if (j < op.grad_reads_output.size() && op.grad_reads_output[j]) {
      info->saved_outputs[j] = outputs[j];
      info->saved_outputs[j].autograd.reset();  // set below; the node must not own its own entry
      info->output_versions[j] = outputs[j].version() + 1;  // the op's own write, pushed after this hook
    }
  }
  node->info = info;
  for (size_t j = 0; j < outputs.size(); ++j)
    outputs[j].autograd = std::make_shared<AutogradEntry>(AutogradEntry{node, static_cast<uint32_t>(j)});
}

// Installed once, when the library loads.
[[maybe_unused]] const bool g_hook_installed = [] {
  set_record_hook(record_op);
  return true;
}();

NodeEntry entry_of(const NDArray& a, const char* what, size_t i) {
  SN_CHECK_WITH_CODE_(kInvalidState, a.autograd != nullptr, what, ": array ", i,
                      " has no autograd history: it was not computed while recording from arrays with an attached "
                      "gradient (use Autograd.Record and AttachGrad)");
  return NodeEntry{a.autograd->node, a.autograd->index};
}

Shape shape_of(const NodeEntry& e) {
  if (!e.node || !e.node->info) return Shape::unknown();
  const AGInfo& info = info_of(*e.node);
  if (info.is_variable) return info.shape;
  return e.index < info.out_shapes.size() ? info.out_shapes[e.index] : Shape::unknown();
}

// Runs the gradient graph for `xs` and returns their gradient arrays (none where zero).
std::vector<NDArray> run_gradient(std::span<const NDArray> heads, std::span<const NDArray> head_grads,
                                  std::span<const NodeEntry> xs, const BackwardOptions& options, const char* what) {
  SN_CHECK(head_grads.empty() || head_grads.size() == heads.size(), what, ": expected ", heads.size(),
           " head gradient(s) (one per head) or none, got ", head_grads.size());
  std::unordered_map<NodeEntry, NDArray, NodeEntryHash> value;
  std::vector<NodeEntry> ys, ygrads;
  const OpAttrs ones = OpRegistry::get().at("ones_like").defaults();
  for (size_t i = 0; i < heads.size(); ++i) {
    NodeEntry y = entry_of(heads[i], what, i);
    ys.push_back(y);
    value[y] = heads[i];
    if (!head_grads.empty() && !head_grads[i].is_none()) {
      const NDArray& hg = head_grads[i];
      SN_CHECK_SHAPE(hg.shape() == heads[i].shape(), what, ": head gradient ", i, " has shape ", hg.shape(),
                     " but head ", i, " has shape ", heads[i].shape());
      ygrads.push_back(NodeEntry{Node::variable("head_grad"), 0});
      value[ygrads.back()] = hg;
    } else {
      ygrads.push_back(NodeEntry{Node::op(ones, {y}, "head_grad"), 0});
    }
  }
  // Values of forward entries: what the recorded ops saved, checked unchanged since.
  const std::vector<Node*> forward = topo_sort(ys);
  const auto forward_owner = node_owners(ys, forward);
  for (Node* n : forward) {
    if (n->is_variable() || !n->info) continue;
    AGInfo& info = info_of(*n);
    SN_CHECK_WITH_CODE_(kInvalidState, !info.freed, what, ": the graph through '", n->name,
                        "' was freed by a previous backward; pass retainGraph: true to the first backward to run "
                        "backward again");
    for (size_t i = 0; i < info.saved_inputs.size(); ++i) {
      const NDArray& a = info.saved_inputs[i];
      if (a.is_none()) continue;
      SN_CHECK_WITH_CODE_(kInvalidState, a.version() == info.input_versions[i], what, ": input ", i, " of '",
                          n->name, "' was modified in place after it was recorded; its gradient would be wrong");
      value[n->inputs[i]] = a;
    }
    for (size_t j = 0; j < info.saved_outputs.size(); ++j) {
      const NDArray& a = info.saved_outputs[j];
      if (a.is_none()) continue;
      SN_CHECK_WITH_CODE_(kInvalidState, a.version() == info.output_versions[j], what, ": output ", j, " of '",
                          n->name, "' was modified in place after it was recorded; its gradient would be wrong");
      const NodeEntry e{forward_owner.at(n), static_cast<uint32_t>(j)};
      // Saved without its entry (the node owns it: a cycle otherwise); higher-order gradients need it back.
      NDArray v = a;
      if (options.create_graph) v.autograd = std::make_shared<AutogradEntry>(AutogradEntry{e.node, e.index});
      value[e] = std::move(v);
    }
  }

  GradientOptions gopt;
  gopt.name_nodes = false;  // nobody sees these nodes' names
  gopt.shape_of = shape_of;
  gopt.dtype_of = [](const NodeEntry& e) {
    if (!e.node || !e.node->info) return -1;
    const AGInfo& info = info_of(*e.node);
    if (info.is_variable) return static_cast<int>(info.dtype);
    return e.index < info.out_dtypes.size() ? static_cast<int>(info.out_dtypes[e.index]) : -1;
  };
  gopt.device_of = [](const NodeEntry& e) {
    return e.node && e.node->info ? str(info_of(*e.node).device) : std::string();
  };
  const std::vector<NodeEntry> grads = build_gradient(ys, ygrads, xs, gopt);

  // Run the new nodes in order, releasing each value after its last use.
  const std::vector<Node*> order = topo_sort(grads);
  const auto owner = node_owners(grads, order);
  std::unordered_map<NodeEntry, int, NodeEntryHash> uses;
  for (Node* n : order)
    if (!n->info)
      for (const NodeEntry& in : n->inputs) ++uses[in];
  for (const NodeEntry& g : grads)
    if (g.node) ++uses[g];
  InvokeFlags flags;
  flags.recording = options.create_graph;
  flags.training = options.train_mode;
  for (Node* n : order) {
    if (n->info || n->is_variable()) continue;  // forward nodes, leaves and head gradients: values given
    std::vector<NDArray> ins;
    ins.reserve(n->inputs.size());
    for (const NodeEntry& in : n->inputs) {
      auto v = value.find(in);
      SN_INTERNAL_ASSERT(v != value.end(), "backward: no value for an input of '", n->name, "' (from '",
                         in.node ? in.node->name : std::string("?"), "'): a gradient read what its op did not save");
      ins.push_back(v->second);
    }
    std::vector<NDArray> outs = invoke(n->attrs, ins, {}, flags, ins.empty() ? Device::cpu() : ins[0].device());
    const NodePtr& self = owner.at(n);
    for (size_t k = 0; k < outs.size(); ++k) value[NodeEntry{self, static_cast<uint32_t>(k)}] = std::move(outs[k]);
    for (const NodeEntry& in : n->inputs)
      if (--uses[in] == 0) value.erase(in);
  }
  std::vector<NDArray> result;
  for (const NodeEntry& g : grads) result.push_back(g.node ? value.at(g) : NDArray());
  if (!options.retain_graph) {
    for (Node* n : forward) {
      if (n->is_variable() || !n->info) continue;
      AGInfo& info = info_of(*n);
      info.freed = true;
      info.saved_inputs.clear();
      info.saved_outputs.clear();
    }
  }
  return result;
}

}  // namespace

void attach_grad(NDArray& x, GradReq req, NDArray grad) {
  SN_CHECK(!x.is_none(), "attach_grad: the array is empty");
  SN_CHECK(req == GradReq::kNull || req == GradReq::kWrite || req == GradReq::kAdd,
           "attach_grad: argument 'grad_req' expects null (0), write (1) or add (3), got ", static_cast<int>(req));
  if (grad.is_none()) {
    grad = NDArray::empty(x.shape(), x.dtype(), x.device());
    fill(grad, 0);
  } else {
    SN_CHECK_SHAPE(grad.shape() == x.shape() && grad.dtype() == x.dtype(), "attach_grad: the gradient buffer has shape ",
                   grad.shape(), " and dtype ", grad.dtype(), " but the array has shape ", x.shape(), " and dtype ",
                   x.dtype());
  }
  NodePtr node = make_leaf(x, "var");
  AGInfo& info = info_of(*node);
  info.grad = grad;
  info.req = req;
  x.autograd = std::make_shared<AutogradEntry>(AutogradEntry{node, 0});
}

NDArray get_grad(const NDArray& x) {
  if (!x.autograd || !x.autograd->node->is_variable() || !x.autograd->node->info) return NDArray();
  return info_of(*x.autograd->node).grad;
}

GradReq get_grad_req(const NDArray& x) {
  if (!x.autograd || !x.autograd->node->is_variable() || !x.autograd->node->info) return GradReq::kNull;
  return info_of(*x.autograd->node).req;
}

NDArray detach(const NDArray& x) {
  NDArray d = x;
  d.autograd.reset();
  return d;
}

bool has_history(const NDArray& x) noexcept { return x.autograd != nullptr; }

std::vector<NDArray> grad(std::span<const NDArray> heads, std::span<const NDArray> head_grads,
                          std::span<const NDArray> variables, const BackwardOptions& options) {
  SN_CHECK(!heads.empty(), "grad: expected at least one head, got none");
  std::vector<NodeEntry> xs;
  for (size_t i = 0; i < variables.size(); ++i) {
    NodeEntry e = entry_of(variables[i], "grad", i);
    xs.push_back(e);
  }
  return run_gradient(heads, head_grads, xs, options, "grad");
}

void backward(std::span<const NDArray> heads, std::span<const NDArray> head_grads, const BackwardOptions& options) {
  SN_CHECK(!heads.empty(), "backward: expected at least one head, got none");
  std::vector<NodeEntry> ys;
  for (size_t i = 0; i < heads.size(); ++i) ys.push_back(entry_of(heads[i], "backward", i));
  // Every variable with a gradient buffer that the heads were computed from.
  const std::vector<Node*> order = topo_sort(ys);
  const auto owner = node_owners(ys, order);
  std::vector<NodeEntry> xs;
  std::vector<AGInfo*> infos;
  for (Node* n : order) {
    if (!n->is_variable() || !n->info) continue;
    AGInfo& info = info_of(*n);
    if (info.grad.is_none() || info.req == GradReq::kNull) continue;
    xs.push_back(NodeEntry{owner.at(n), 0});
    infos.push_back(&info);
  }
  std::vector<NDArray> grads = run_gradient(heads, head_grads, xs, options, "backward");
  const OpAttrs add = OpRegistry::get().at("elemwise_add").defaults();
  for (size_t i = 0; i < xs.size(); ++i) {
    AGInfo& info = *infos[i];
    const NDArray& g = grads[i];
    if (info.req == GradReq::kWrite) {
      if (g.is_none()) fill(info.grad, 0);
      else copy(g, info.grad);
    } else if (!g.is_none()) {  // add
      NDArray out[] = {info.grad};
      NDArray ins[] = {info.grad, g};
      invoke(add, ins, out, InvokeFlags{}, info.grad.device());
    }
  }
}

}  // namespace sn
