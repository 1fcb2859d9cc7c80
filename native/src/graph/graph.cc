#include "graph/graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "ops/gradient.h"

namespace sn {

NodePtr Node::variable(std::string name) {
  auto n = std::make_shared<Node>();
  n->name = std::move(name);
  return n;
}

NodePtr Node::op(OpAttrs attrs, std::vector<NodeEntry> inputs, std::string name) {
  auto n = std::make_shared<Node>();
  n->attrs = std::move(attrs);
  n->inputs = std::move(inputs);
  n->name = std::move(name);
  return n;
}

std::vector<Node*> topo_sort(std::span<const NodeEntry> heads) {
  // Iterative post-order DFS: autograd tapes can be millions of nodes deep.
  std::vector<Node*> order;
  std::unordered_set<Node*> visited;
  std::vector<std::pair<Node*, size_t>> stack;
  auto children = [](Node* n, size_t i) -> Node* {
    return i < n->inputs.size() ? n->inputs[i].node.get() : n->control_deps[i - n->inputs.size()].get();
  };
  for (const NodeEntry& h : heads) {
    if (!h.node || !visited.insert(h.node.get()).second) continue;
    stack.emplace_back(h.node.get(), 0);
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next < n->inputs.size() + n->control_deps.size()) {
        Node* c = children(n, next++);
        if (c != nullptr && visited.insert(c).second) stack.emplace_back(c, 0);
      } else {
        order.push_back(n);
        stack.pop_back();
      }
    }
  }
  return order;
}

std::unordered_map<Node*, NodePtr> node_owners(std::span<const NodeEntry> heads, std::span<Node* const> order) {
  std::unordered_map<Node*, NodePtr> owner;
  for (const NodeEntry& h : heads)
    if (h.node) owner[h.node.get()] = h.node;
  for (Node* n : order)
    for (const NodeEntry& in : n->inputs) owner[in.node.get()] = in.node;
  return owner;
}

namespace {

// Adds gradient nodes for one forward node.
class SymbolicGradBuilder final : public GradBuilder {
 public:
  SymbolicGradBuilder(const NodePtr& fwd, std::vector<NodeEntry> out_grads, const GradientOptions& options)
      : fwd_(fwd), out_grads_(std::move(out_grads)), options_(options), input_grads_(fwd->inputs.size()) {}

  const OpAttrs& attrs() const override { return fwd_->attrs; }
  int num_inputs() const override { return static_cast<int>(fwd_->inputs.size()); }
  int num_outputs() const override { return fwd_->num_outputs(); }

  GradValue input(int i) override {
    const auto& reads = fwd_->attrs.op->grad_reads_input;
    SN_INTERNAL_ASSERT(static_cast<size_t>(i) < reads.size() && reads[static_cast<size_t>(i)], "the gradient of '",
                       fwd_->attrs.op->name, "' reads input ", i, " without declaring it");
    return add(fwd_->inputs[static_cast<size_t>(i)]);
  }
  GradValue output(int i) override {
    const auto& reads = fwd_->attrs.op->grad_reads_output;
    SN_INTERNAL_ASSERT(static_cast<size_t>(i) < reads.size() && reads[static_cast<size_t>(i)], "the gradient of '",
                       fwd_->attrs.op->name, "' reads output ", i, " without declaring it");
    return add(NodeEntry{fwd_, static_cast<uint32_t>(i)});
  }
  GradValue out_grad(int i) override {
    NodeEntry& g = out_grads_[static_cast<size_t>(i)];
    if (!g.node) {  // no gradient reached this output: zeros of its shape
      const NodeEntry out{fwd_, static_cast<uint32_t>(i)};
      const Shape shape = options_.shape_of ? options_.shape_of(out) : Shape::unknown();
      const int dtype = options_.dtype_of ? options_.dtype_of(out) : -1;
      if (shape.is_known() && dtype >= 0) {
        const std::string shape_text = detail::print_int_tuple(shape);
        const std::string device = options_.device_of ? options_.device_of(out) : std::string();
        std::vector<ParamKV> kv{{"shape", shape_text}, {"dtype", dtype_name(static_cast<DType>(dtype))}};
        if (!device.empty()) kv.emplace_back("ctx", device);
        g = make(OpRegistry::get().at("_zeros").parse(kv), {}, "zeros");
      } else {  // shapes not inferred: read the output (the executor has every value)
        g = make(OpRegistry::get().at("zeros_like").defaults(), {out}, "zeros_like");
      }
    }
    return add(g);
  }
  Shape input_shape(int i) const override {
    return options_.shape_of ? options_.shape_of(fwd_->inputs[static_cast<size_t>(i)]) : Shape::unknown();
  }
  int input_dtype(int i) const override {
    return options_.dtype_of ? options_.dtype_of(fwd_->inputs[static_cast<size_t>(i)]) : -1;
  }

  std::vector<GradValue> apply(std::string_view op, const std::vector<GradValue>& inputs,
                               const std::vector<ParamKV>& params) override {
    const OpDef& def = OpRegistry::get().at(op);
    return apply_attrs(def.parse(params), inputs);
  }
  std::vector<GradValue> apply(std::string_view op, const std::vector<GradValue>& inputs, const OpAttrs& params) override {
    const OpDef& def = OpRegistry::get().at(op);
    SN_INTERNAL_ASSERT(def.schema == params.op->schema, "gradient of '", fwd_->attrs.op->name, "': '", op,
                       "' does not take the parameters of '", params.op->name, "'");
    return apply_attrs(OpAttrs{&def, params.params}, inputs);
  }

  void set_input_grad(int i, GradValue g) override {
    SN_INTERNAL_ASSERT(i >= 0 && static_cast<size_t>(i) < input_grads_.size(), "gradient of '",
                       fwd_->attrs.op->name, "' sets input ", i, " of ", input_grads_.size());
    input_grads_[static_cast<size_t>(i)] = values_[static_cast<size_t>(g.id)];
  }

  const std::vector<NodeEntry>& input_grads() const { return input_grads_; }

 private:
  GradValue add(NodeEntry e) {
    values_.push_back(std::move(e));
    return GradValue{static_cast<int32_t>(values_.size() - 1)};
  }

  NodeEntry make(OpAttrs attrs, std::vector<NodeEntry> inputs, std::string_view what) {
    std::string name = options_.name_nodes ? str(fwd_->name, "_backward_", what) : std::string();
    return NodeEntry{Node::op(std::move(attrs), std::move(inputs), std::move(name)), 0};
  }

  std::vector<GradValue> apply_attrs(OpAttrs attrs, const std::vector<GradValue>& inputs) {
    std::vector<NodeEntry> ins;
    for (GradValue v : inputs) ins.push_back(values_[static_cast<size_t>(v.id)]);
    const int visible = attrs.op->num_visible(attrs);
    NodeEntry first = make(attrs, std::move(ins), attrs.op->name);
    std::vector<GradValue> outs;
    for (int k = 0; k < visible; ++k) outs.push_back(add(NodeEntry{first.node, static_cast<uint32_t>(k)}));
    return outs;
  }

  NodePtr fwd_;
  std::vector<NodeEntry> out_grads_;
  const GradientOptions& options_;
  std::vector<NodeEntry> values_;
  std::vector<NodeEntry> input_grads_;
};

NodeEntry sum(std::vector<NodeEntry>& parts) {
  if (parts.empty()) return {};
  NodeEntry total = parts[0];
  const OpAttrs add = OpRegistry::get().at("elemwise_add").defaults();
  for (size_t i = 1; i < parts.size(); ++i) total = NodeEntry{Node::op(add, {total, parts[i]}, "grad_sum"), 0};
  return total;
}

}  // namespace

std::vector<NodeEntry> build_gradient(std::span<const NodeEntry> ys, std::span<const NodeEntry> ygrads,
                                      std::span<const NodeEntry> xs, const GradientOptions& options) {
  SN_INTERNAL_ASSERT(ys.size() == ygrads.size(), ys.size(), " heads but ", ygrads.size(), " head gradients");
  std::vector<Node*> order = topo_sort(ys);
  // Which nodes some x depends on: only those need gradients.
  std::unordered_set<Node*> x_nodes;
  for (const NodeEntry& x : xs) x_nodes.insert(x.node.get());
  std::unordered_map<Node*, bool> depends;
  for (Node* n : order) {
    bool d = x_nodes.count(n) > 0;
    for (const NodeEntry& in : n->inputs) d = d || depends[in.node.get()];
    depends[n] = d;
  }
  // Shared ownership of every node, for building entries that point at forward nodes.
  const auto owner = node_owners(ys, order);

  std::unordered_map<NodeEntry, std::vector<NodeEntry>, NodeEntryHash> contributions;
  for (size_t i = 0; i < ys.size(); ++i) contributions[ys[i]].push_back(ygrads[i]);

  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (n->is_variable() || !depends[n]) continue;
    const NodePtr& self = owner.at(n);
    const int n_out = n->num_outputs();
    std::vector<NodeEntry> out_grads(static_cast<size_t>(n_out));
    bool any = false;
    for (int j = 0; j < n_out; ++j) {
      auto c = contributions.find(NodeEntry{self, static_cast<uint32_t>(j)});
      if (c == contributions.end() || c->second.empty()) continue;
      out_grads[static_cast<size_t>(j)] = sum(c->second);
      any = true;
    }
    if (!any) continue;  // zero gradient: elided
    const OpDef& op = *n->attrs.op;
    SN_CHECK_WITH_CODE_(kUnsupported, op.differentiable(), "gradient: operator '", op.name,
                        "' is not differentiable, but its output", n->name.empty() ? "" : " in node '", n->name,
                        n->name.empty() ? "" : "'", " is needed for the gradient");
    if (op.zero_gradient) continue;
    SymbolicGradBuilder b(self, std::move(out_grads), options);
    op.gradient(b);
    const auto& ig = b.input_grads();
    for (size_t i = 0; i < ig.size(); ++i)
      if (ig[i].node && depends[n->inputs[i].node.get()]) contributions[n->inputs[i]].push_back(ig[i]);
  }

  std::vector<NodeEntry> result;
  for (const NodeEntry& x : xs) {
    auto c = contributions.find(x);
    result.push_back(c == contributions.end() ? NodeEntry{} : sum(c->second));
  }
  return result;
}

}  // namespace sn
