#include "graph/passes.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/param.h"

namespace sn {

namespace {

// Ops whose inputs or effects make two applications differ.
bool is_pure(const Node& n) {
  const OpDef& op = *n.attrs.op;
  return !op.needs_random && op.aux_inputs.empty() && op.async_kernel == nullptr && n.control_deps.empty();
}

}  // namespace

std::vector<NodeEntry> eliminate_common_subexpressions(std::span<const NodeEntry> heads, size_t* merged) {
  const std::vector<Node*> order = topo_sort(heads);
  const auto owner = node_owners(heads, order);
  std::unordered_map<Node*, NodePtr> replaced;  // removed node -> the node kept
  // Key: op, parameters as printed by the schema, inputs (after replacement).
  std::map<std::tuple<const OpDef*, std::string, std::vector<std::pair<Node*, uint32_t>>>, NodePtr> seen;
  auto rewire = [&](NodeEntry& e) {
    auto r = replaced.find(e.node.get());
    if (r != replaced.end()) e.node = r->second;
  };
  size_t count = 0;
  for (Node* n : order) {
    for (NodeEntry& in : n->inputs) rewire(in);
    if (n->is_variable() || !is_pure(*n)) continue;
    std::string params;
    if (n->attrs.op->schema != nullptr)
      for (const auto& [k, v] : n->attrs.op->schema->print(n->attrs.params.get())) params += k + "=" + v + ";";
    std::vector<std::pair<Node*, uint32_t>> ins;
    for (const NodeEntry& in : n->inputs) ins.emplace_back(in.node.get(), in.index);
    auto [it, fresh] = seen.try_emplace({n->attrs.op, std::move(params), std::move(ins)}, owner.at(n));
    if (!fresh) {
      replaced[n] = it->second;
      ++count;
    }
  }
  std::vector<NodeEntry> result(heads.begin(), heads.end());
  for (NodeEntry& h : result) rewire(h);
  if (merged != nullptr) *merged = count;
  return result;
}

size_t mirror_forward_values(std::span<Node* const> backward, const std::unordered_set<const Node*>& forward) {
  std::unordered_map<const Node*, bool> memo;  // asked once per edge: decided once per node
  auto mirrorable = [&](const Node& n) {
    auto [it, fresh] = memo.try_emplace(&n, false);
    if (!fresh) return it->second;
    if (n.is_variable() || !forward.count(&n) || !is_pure(n)) return false;
    auto f = n.dict.find("__force_mirroring__");
    if (f != n.dict.end() && (f->second == "True" || f->second == "true" || f->second == "1")) return it->second = true;
    static const char* const kKept[] = {"Convolution", "Deconvolution", "FullyConnected", "dot", "batch_dot", "Concat",
                                         "BatchNorm", "SoftmaxOutput", "LinearRegressionOutput",
                                         "LogisticRegressionOutput", "MAERegressionOutput", "SVMOutput", "Embedding"};
    const std::string& op = n.attrs.op->name;
    return it->second = std::none_of(std::begin(kKept), std::end(kKept), [&](const char* k) { return op == k; });
  };
  std::unordered_map<const Node*, NodePtr> copies;
  // Iterative: copy a node after copying its mirrorable inputs.
  auto copy_of = [&](Node* root) -> NodePtr {
    std::vector<Node*> stack{root};
    while (!stack.empty()) {
      Node* n = stack.back();
      if (copies.count(n)) {
        stack.pop_back();
        continue;
      }
      bool ready = true;
      for (const NodeEntry& in : n->inputs)
        if (mirrorable(*in.node) && !copies.count(in.node.get())) {
          stack.push_back(in.node.get());
          ready = false;
        }
      if (!ready) continue;
      std::vector<NodeEntry> ins;
      for (const NodeEntry& in : n->inputs)
        ins.push_back(mirrorable(*in.node) ? NodeEntry{copies.at(in.node.get()), in.index} : in);
      NodePtr c = Node::op(n->attrs, std::move(ins), n->name + "_mirror");
      c->dict = n->dict;
      copies.emplace(n, std::move(c));
      stack.pop_back();
    }
    return copies.at(root);
  };
  for (Node* b : backward)
    for (NodeEntry& in : b->inputs)
      if (mirrorable(*in.node)) in.node = copy_of(in.node.get());
  return copies.size();
}

}  // namespace sn
