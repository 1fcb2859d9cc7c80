#include "executor/executor.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/str.h"
#include "graph/passes.h"
#include "ndarray/builtin.h"

namespace sn {

namespace {

std::string names_text(const std::vector<std::string>& names) { return names.empty() ? "none" : join(names, ", "); }

// Checks one list of arrays given to bind: its length, and each array present and on the device.
void check_arrays(const char* what, const std::vector<NDArray>& arrays, const std::vector<std::string>& names,
                  const Device& device, const std::vector<GradReq>* reqs) {
  SN_CHECK(arrays.size() == names.size(), "Bind: expected ", names.size(), " ", what, " array(s) (",
           names_text(names), "), got ", arrays.size());
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (reqs != nullptr && (*reqs)[i] == GradReq::kNull) continue;
    SN_CHECK(!arrays[i].is_none(), "Bind: ", what, " '", names[i], "' has no array");
    SN_CHECK(arrays[i].device() == device, "Bind: ", what, " '", names[i], "' lives on ", arrays[i].device(),
             " but the executor binds ", device);
  }
}

}  // namespace

void Executor::check_shared(const Executor* shared, const Device& device, const char* what) {
  if (shared != nullptr)
    SN_CHECK(shared->device_ == device, what, ": the shared executor runs on ", shared->device_, ", not on ", device);
}

std::unique_ptr<Executor> Executor::bind(const Symbol& symbol, const Device& device, std::vector<NDArray> args,
                                         std::vector<NDArray> grads, std::vector<GradReq> reqs,
                                         std::vector<NDArray> aux, const Executor* shared,
                                         const ExecutorOptions& options) {
  SN_CHECK(!symbol.outputs.empty(), "Bind: the symbol has no outputs");
  check_shared(shared, device, "Bind");
  std::unique_ptr<Executor> ex(new Executor());
  ex->symbol_ = symbol;
  ex->device_ = device;
  ex->options_ = options;
  ex->arg_names_ = symbol.list_arguments();
  ex->aux_names_ = symbol.list_auxiliary_states();
  ex->output_names_ = symbol.list_outputs();
  check_arrays("argument", args, ex->arg_names_, device, nullptr);
  check_arrays("auxiliary state", aux, ex->aux_names_, device, nullptr);
  SN_CHECK(reqs.size() == ex->arg_names_.size(), "Bind: expected ", ex->arg_names_.size(),
           " gradient request(s) (one per argument), got ", reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i)
    SN_CHECK(reqs[i] == GradReq::kNull || reqs[i] == GradReq::kWrite || reqs[i] == GradReq::kAdd, "Bind: argument '",
             ex->arg_names_[i], "': gradient request expects null (0), write (1) or add (3), got ",
             static_cast<int>(reqs[i]));
  if (grads.empty()) grads.resize(ex->arg_names_.size());
  check_arrays("gradient of", grads, ex->arg_names_, device, &reqs);
  for (size_t i = 0; i < args.size(); ++i) {
    const GradReq r = reqs[i];
    if (r == GradReq::kNull) {
      grads[i] = NDArray();
      continue;
    }
    SN_CHECK_SHAPE(grads[i].shape() == args[i].shape() && grads[i].dtype() == args[i].dtype(), "Bind: the gradient of '",
                   ex->arg_names_[i], "' has shape ", grads[i].shape(), " and dtype ", grads[i].dtype(),
                   " but the argument has shape ", args[i].shape(), " and dtype ", args[i].dtype());
    SN_CHECK(!grads[i].same_chunk(args[i]), "Bind: the gradient of '", ex->arg_names_[i],
             "' shares memory with the argument itself");
  }
  ex->args_ = std::move(args);
  ex->grads_ = std::move(grads);
  ex->reqs_ = std::move(reqs);
  ex->aux_ = std::move(aux);
  ex->build(shared);
  return ex;
}

void Executor::build(const Executor* shared) {
  // The executor's own graph: a copy, so passes never change the user's symbol.
  const Symbol copy = symbol_.copy();
  std::vector<NodeEntry> heads = copy.outputs;
  if (options_.cse) heads = eliminate_common_subexpressions(heads, &cse_merged_);
  const std::vector<Node*> fwd_order = topo_sort(heads);
  const std::unordered_set<const Node*> forward(fwd_order.begin(), fwd_order.end());
  const IndexedGraph fg(fwd_order);

  std::unordered_map<std::string, const NDArray*> by_name;
  for (size_t i = 0; i < arg_names_.size(); ++i) by_name.emplace(arg_names_[i], &args_[i]);
  for (size_t i = 0; i < aux_names_.size(); ++i) by_name.emplace(aux_names_[i], &aux_[i]);
  std::vector<Shape> fshapes(fg.num_entries(), Shape::unknown());
  std::vector<int> ftypes(fg.num_entries(), -1);
  for (size_t i = 0; i < fg.nodes.size(); ++i) {
    if (!fg.nodes[i]->is_variable()) continue;
    const NDArray& a = *by_name.at(fg.nodes[i]->name);
    fshapes[fg.row_ptr[i]] = a.shape();
    ftypes[fg.row_ptr[i]] = static_cast<int>(a.dtype());
  }
  fshapes = ShapeTraits::infer(fg, std::move(fshapes));
  ftypes = TypeTraits::infer(fg, std::move(ftypes));
  for (size_t i = 0; i < fg.nodes.size(); ++i)
    for (size_t k = fg.row_ptr[i]; k < fg.row_ptr[i + 1]; ++k)
      SN_CHECK_SHAPE(fshapes[k].is_known() && ftypes[k] >= 0, "Bind: cannot infer output ", k - fg.row_ptr[i],
                     " of node '", fg.nodes[i]->name, "' from the bound arrays (shape ", fshapes[k], ")");

  // The gradient graph.
  const auto fowner = node_owners(heads, fwd_order);
  std::unordered_map<std::string, NodePtr> variables;
  for (Node* n : fwd_order)
    if (n->is_variable()) variables.emplace(n->name, fowner.at(n));
  std::vector<NodeEntry> all_heads = heads;
  std::vector<std::pair<NodeEntry, const NDArray*>> external_entries;  // besides the variables
  std::vector<NodePtr> head_grad_vars;
  std::vector<size_t> xs_arg;
  std::vector<NodeEntry> xs;
  for (size_t i = 0; i < arg_names_.size(); ++i)
    if (reqs_[i] != GradReq::kNull) {
      xs.push_back(NodeEntry{variables.at(arg_names_[i]), 0});
      xs_arg.push_back(i);
    }
  has_gradient_ = !xs.empty();
  if (has_gradient_) {
    std::vector<NodeEntry> ygrads;
    for (size_t j = 0; j < heads.size(); ++j) {
      head_grad_vars.push_back(Node::variable(str(output_names_[j], "_head_grad")));
      ygrads.push_back(NodeEntry{head_grad_vars.back(), 0});
    }
    GradientOptions gopt;
    gopt.shape_of = [&](const NodeEntry& e) { return forward.count(e.node.get()) ? fshapes[fg.entry(e)] : Shape::unknown(); };
    gopt.dtype_of = [&](const NodeEntry& e) { return forward.count(e.node.get()) ? ftypes[fg.entry(e)] : -1; };
    gopt.device_of = [&](const NodeEntry&) { return str(device_); };
    const std::vector<NodeEntry> g = build_gradient(heads, ygrads, xs, gopt);
    std::unordered_set<NodeEntry, NodeEntryHash> claimed;
    const OpAttrs add = OpRegistry::get().at("elemwise_add").defaults();
    const OpAttrs copy_op = OpRegistry::get().at("_copy").defaults();
    for (size_t k = 0; k < xs.size(); ++k) {
      const size_t i = xs_arg[k];
      const std::string& name = arg_names_[i];
      if (!g[k].node) {
        if (reqs_[i] == GradReq::kWrite) unreached_writes_.push_back(i);
        continue;
      }
      NodeEntry out = g[k];
      if (reqs_[i] == GradReq::kAdd) {
        NodePtr buf = Node::variable(name + "_grad");
        external_entries.emplace_back(NodeEntry{buf, 0}, &grads_[i]);
        out = NodeEntry{Node::op(add, {NodeEntry{buf, 0}, g[k]}, name + "_grad_add"), 0};
      } else if (out.node->is_variable() || forward.count(out.node.get()) || claimed.count(out)) {
        out = NodeEntry{Node::op(copy_op, {g[k]}, name + "_grad_copy"), 0};
      }
      claimed.insert(out);
      external_entries.emplace_back(out, &grads_[i]);
      all_heads.push_back(out);
    }
  }

  // The whole graph: topo_sort visits the outputs first, so the forward nodes come first, in their own order
  // (Forward runs that prefix); mirroring adds backward copies of cheap forward nodes.
  std::vector<Node*> order = topo_sort(all_heads);
  if (options_.mirror && has_gradient_) {
    std::vector<Node*> backward(order.begin() + static_cast<ptrdiff_t>(fwd_order.size()), order.end());
    mirror_copies_ = mirror_forward_values(backward, forward);
    order = topo_sort(all_heads);
  }
  const IndexedGraph g(order);
  for (size_t i = 0; i < fwd_order.size(); ++i)
    SN_INTERNAL_ASSERT(g.nodes[i] == fwd_order[i], "Bind: the forward nodes are not the prefix of the order");
  std::vector<Shape> shapes(g.num_entries(), Shape::unknown());
  std::vector<int> types(g.num_entries(), -1);
  for (size_t i = 0; i < fwd_order.size(); ++i)
    for (size_t k = 0; k < fg.row_ptr[i + 1] - fg.row_ptr[i]; ++k) {
      shapes[g.row_ptr[i] + k] = fshapes[fg.row_ptr[i] + k];
      types[g.row_ptr[i] + k] = ftypes[fg.row_ptr[i] + k];
    }
  std::unordered_map<size_t, NDArray> external;
  head_grads_.assign(heads.size(), NDArray());
  head_grad_ones_.assign(heads.size(), false);
  for (size_t j = 0; j < head_grad_vars.size(); ++j) {
    auto it = g.id.find(head_grad_vars[j].get());
    if (it == g.id.end()) continue;  // no gradient reads this output's gradient (a loss output)
    const size_t e = g.row_ptr[it->second];
    shapes[e] = fshapes[fg.entry(heads[j])];
    types[e] = ftypes[fg.entry(heads[j])];
    head_grads_[j] = NDArray::empty(shapes[e], static_cast<DType>(types[e]), device_);
    head_grad_ones_[j] = false;
    external.emplace(e, head_grads_[j]);
  }
  for (const auto& [entry, array] : external_entries) {
    auto it = g.id.find(entry.node.get());
    if (it == g.id.end()) continue;
    const size_t e = g.row_ptr[it->second] + entry.index;
    if (entry.node->is_variable()) {
      shapes[e] = array->shape();
      types[e] = static_cast<int>(array->dtype());
    }
    external.emplace(e, *array);
  }
  shapes = ShapeTraits::infer(g, std::move(shapes));
  types = TypeTraits::infer(g, std::move(types));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    if (n.is_variable() && forward.count(&n)) external.emplace(g.row_ptr[i], *by_name.at(n.name));
    for (size_t k = g.row_ptr[i]; k < g.row_ptr[i + 1]; ++k)
      SN_INTERNAL_ASSERT(shapes[k].is_known() && types[k] >= 0, "Bind: the shape of output ", k - g.row_ptr[i],
                         " of node '", n.name, "' (", n.is_variable() ? "variable" : n.attrs.op->name,
                         ") was not inferred: ", shapes[k]);
  }
  std::vector<size_t> keep;
  for (const NodeEntry& h : heads) keep.push_back(g.entry(h));

  std::shared_ptr<BufferPool> pool = shared != nullptr ? shared->runner_->pool() : nullptr;
  runner_ = std::make_unique<GraphRunner>(g, shapes, types, external, keep, device_, options_.runner, std::move(pool));
  forward_steps_ = 0;
  for (size_t i = 0; i < fwd_order.size(); ++i)
    if (!g.nodes[i]->is_variable()) ++forward_steps_;
  for (size_t e : keep) outputs_.push_back(runner_->value(e));
  // Kept for debug_string, which is built only when asked for.
  const auto owner = node_owners(all_heads, order);
  for (Node* n : order) nodes_.push_back(owner.at(n));
  shapes_ = std::move(shapes);
}

void Executor::forward(bool is_train) {
  runner_->run(0, forward_steps_, is_train);
  ran_forward_ = true;
}

void Executor::backward(std::span<const NDArray> head_grads, bool is_train) {
  SN_CHECK_WITH_CODE_(kInvalidState, has_gradient_,
                      "Executor.Backward: no gradient was requested at bind (the gradient request of every argument "
                      "is null)");
  SN_CHECK_WITH_CODE_(kInvalidState, ran_forward_, "Executor.Backward: call Forward before Backward");
  SN_CHECK(head_grads.empty() || head_grads.size() == outputs_.size(), "Executor.Backward: expected ",
           outputs_.size(), " head gradient(s) (one per output: ", names_text(output_names_), ") or none, got ",
           head_grads.size());
  for (size_t j = 0; j < head_grads_.size(); ++j) {
    if (head_grads_[j].is_none()) continue;  // nothing reads it
    if (head_grads.empty() || head_grads[j].is_none()) {
      if (!head_grad_ones_[j]) fill(head_grads_[j], 1);  // once, until a given gradient replaces the ones
      head_grad_ones_[j] = true;
      continue;
    }
    const NDArray& hg = head_grads[j];
    SN_CHECK_SHAPE(hg.shape() == outputs_[j].shape(), "Executor.Backward: head gradient ", j, " (",
                   output_names_[j], ") has shape ", hg.shape(), " but the output has shape ", outputs_[j].shape());
    copy(hg, head_grads_[j]);
    head_grad_ones_[j] = false;
  }
  runner_->run(forward_steps_, runner_->num_steps(), is_train);
  for (size_t i : unreached_writes_) fill(grads_[i], 0);
}

std::string Executor::debug_string() const {
  const MemoryPlan& p = plan();
  std::string s = str("Executor on ", device_, ": ", num_steps(), " steps (", forward_steps_, " forward), ",
                      p.block_bytes.size(), " buffers, planned ", p.planned_bytes, " bytes, liveness lower bound ",
                      p.lower_bound_bytes, " bytes, unshared ", p.unshared_bytes, " bytes, ", p.inplace_pairs,
                      " in place\n");
  std::vector<Node*> order;
  for (const NodePtr& n : nodes_) order.push_back(n.get());
  const IndexedGraph g(std::move(order));
  auto entry_text = [&](size_t e) {
    const int b = p.block[e];
    return str(shapes_[e], b == MemoryPlan::kExternal ? std::string(" [bound]") : str(" [buf ", b, "]"));
  };
  size_t step = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    if (n.is_variable()) continue;
    s += str(step++ < forward_steps_ ? "forward " : "backward ", n.name.empty() ? "(unnamed)" : n.name, " (",
             n.attrs.op->name, "):");
    for (size_t k = 0; k < n.inputs.size(); ++k) s += str(k ? ", " : " ", entry_text(g.entry(n.inputs[k])));
    s += " ->";
    for (size_t k = g.row_ptr[i]; k < g.row_ptr[i + 1]; ++k) s += str(k > g.row_ptr[i] ? ", " : " ", entry_text(k));
    s += "\n";
  }
  return s;
}

std::unique_ptr<Executor> Executor::simple_bind(const Symbol& symbol, const Device& device,
                                                const std::map<std::string, Shape>& shapes,
                                                const std::map<std::string, int>& dtypes, std::vector<GradReq> reqs,
                                                const Executor* shared, const ExecutorOptions& options) {
  check_shared(shared, device, "SimpleBind");
  const ShapeInference si = infer_shape(symbol, shapes);
  const std::vector<std::string> arg_names = symbol.list_arguments(), aux_names = symbol.list_auxiliary_states();
  std::vector<std::string> unknown;
  for (size_t i = 0; i < arg_names.size(); ++i)
    if (!si.arguments[i].is_known()) unknown.push_back(str(arg_names[i], " ", si.arguments[i]));
  for (size_t i = 0; i < aux_names.size(); ++i)
    if (!si.auxiliary_states[i].is_known()) unknown.push_back(str(aux_names[i], " ", si.auxiliary_states[i]));
  SN_CHECK_SHAPE(unknown.empty(), "SimpleBind: the shapes given do not determine every input; still unknown: ",
                 join(unknown, ", "), " (give more input shapes)");
  TypeInference ti = infer_type(symbol, dtypes);
  if (!ti.complete) {  // float32 for arguments nothing else determines, as MXNet's simple_bind
    std::map<std::string, int> known = dtypes;
    for (size_t i = 0; i < arg_names.size(); ++i)
      if (ti.arguments[i] < 0) known.emplace(arg_names[i], static_cast<int>(DType::kFloat32));
    ti = infer_type(symbol, known);
  }
  SN_CHECK(reqs.size() == arg_names.size(), "SimpleBind: expected ", arg_names.size(),
           " gradient request(s) (one per argument), got ", reqs.size());
  auto find_shared = [&](const std::vector<std::string>& names, const std::vector<NDArray>& arrays,
                         const std::string& name, const Shape& shape, DType dtype) -> NDArray {
    if (shared == nullptr) return NDArray();
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name && !arrays[i].is_none() && arrays[i].shape() == shape && arrays[i].dtype() == dtype)
        return arrays[i];
    return NDArray();
  };
  auto zeros = [&](const Shape& shape, int dtype) {
    SN_CHECK(dtype >= 0, "SimpleBind: cannot infer every dtype");
    NDArray a = NDArray::empty(shape, static_cast<DType>(dtype), device);
    fill(a, 0);
    return a;
  };
  std::vector<NDArray> args, grads, aux;
  for (size_t i = 0; i < arg_names.size(); ++i) {
    const auto dt = static_cast<DType>(ti.arguments[i]);
    NDArray a = shared ? find_shared(shared->arg_names_, shared->args_, arg_names[i], si.arguments[i], dt) : NDArray();
    args.push_back(a.is_none() ? zeros(si.arguments[i], ti.arguments[i]) : a);
    if (reqs[i] == GradReq::kNull) {
      grads.emplace_back();
      continue;
    }
    NDArray gr = shared ? find_shared(shared->arg_names_, shared->grads_, arg_names[i], si.arguments[i], dt) : NDArray();
    grads.push_back(gr.is_none() ? zeros(si.arguments[i], ti.arguments[i]) : gr);
  }
  for (size_t i = 0; i < aux_names.size(); ++i) {
    const auto dt = static_cast<DType>(ti.auxiliary_states[i]);
    NDArray a = shared ? find_shared(shared->aux_names_, shared->aux_, aux_names[i], si.auxiliary_states[i], dt)
                       : NDArray();
    aux.push_back(a.is_none() ? zeros(si.auxiliary_states[i], ti.auxiliary_states[i]) : a);
  }
  return bind(symbol, device, std::move(args), std::move(grads), std::move(reqs), std::move(aux), shared, options);
}

std::unique_ptr<Executor> Executor::reshape(const std::map<std::string, Shape>& shapes, bool partial_shaping,
                                            bool allow_up_sizing) const {
  const ShapeInference si = infer_shape(symbol_, shapes);
  auto resized = [&](const std::string& name, const NDArray& old, const Shape& shape, const char* what) -> NDArray {
    SN_CHECK_SHAPE(shape.is_known(), "Reshape: cannot infer the new shape of ", what, " '", name, "' (", shape,
                   "); give more input shapes");
    if (shape == old.shape()) return old;
    SN_CHECK_SHAPE(partial_shaping || shapes.count(name), "Reshape: the shape of ", what, " '", name,
                   "', which was not given, would change from ", old.shape(), " to ", shape,
                   "; it would no longer be shared with this executor. Pass partialShaping: true if that is intended");
    if (shape.size() > old.size()) {
      SN_CHECK_SHAPE(allow_up_sizing, "Reshape: ", what, " '", name, "' would grow from ", old.shape(), " to ", shape,
                     "; binding a large executor and reshaping it smaller is more efficient. Pass allowUpSizing: "
                     "true to allocate new arrays");
      NDArray a = NDArray::empty(shape, old.dtype(), old.device());
      fill(a, 0);
      return a;
    }
    return old.flat_view(0, shape.size(), shape);
  };
  std::vector<NDArray> args, grads, aux;
  for (size_t i = 0; i < arg_names_.size(); ++i) {
    args.push_back(resized(arg_names_[i], args_[i], si.arguments[i], "argument"));
    grads.push_back(grads_[i].is_none() ? NDArray()
                                        : resized(arg_names_[i], grads_[i], si.arguments[i], "argument"));
  }
  for (size_t i = 0; i < aux_names_.size(); ++i)
    aux.push_back(resized(aux_names_[i], aux_[i], si.auxiliary_states[i], "auxiliary state"));
  return bind(symbol_, device_, std::move(args), std::move(grads), reqs_, std::move(aux), this, options_);
}

}  // namespace sn
