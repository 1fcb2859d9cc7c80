// The graph: nodes (an op application or a variable) and entries (one output
// of a node). Symbols, autograd's tape and gradient graphs are all made of them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/registry.h"

namespace sn {

struct Node;
using NodePtr = std::shared_ptr<Node>;

// Output `index` of `node`.
struct NodeEntry {
  NodePtr node;
  uint32_t index = 0;
  bool operator==(const NodeEntry& o) const noexcept { return node == o.node && index == o.index; }
};

struct NodeEntryHash {
  size_t operator()(const NodeEntry& e) const noexcept {
    return std::hash<const void*>()(e.node.get()) ^ (static_cast<size_t>(e.index) * 0x9e3779b97f4a7c15ULL);
  }
};

struct Node {
  OpAttrs attrs;  // attrs.op is null for a variable
  std::string name;
  std::vector<NodeEntry> inputs;
  std::vector<NodePtr> control_deps;
  std::map<std::string, std::string> dict;  // MXNet's attrs.dict: parameters as given, attributes (Note [Symbol attributes])
  std::shared_ptr<void> info;                     // owned by the layer that made the node (autograd's saved arrays)

  bool is_variable() const noexcept { return attrs.op == nullptr; }
  int num_outputs() const { return is_variable() ? 1 : attrs.op->num_outputs(attrs); }

  static NodePtr variable(std::string name);
  static NodePtr op(OpAttrs attrs, std::vector<NodeEntry> inputs, std::string name);
};

// Nodes reachable from `heads`, inputs before the nodes that use them (control deps included).
std::vector<Node*> topo_sort(std::span<const NodeEntry> heads);
// The owning pointer of each node of `order` (topo_sort(heads)), taken from the entries that reach it: for
// building entries that point at existing nodes.
std::unordered_map<Node*, NodePtr> node_owners(std::span<const NodeEntry> heads, std::span<Node* const> order);

// Note [Gradient pass]
// build_gradient walks the graph from the heads backwards: each node's output
// gradients are the sum of what its users contributed (fan-in, one elemwise_add
// per extra contribution); a node none of whose outputs received a gradient, or
// that no `x` depends on, is skipped (zero gradients are elided); otherwise the
// op's gradient function adds nodes through a GradBuilder (Note [Gradients]).
// A node that needs a gradient but whose op has none is an error naming the op
// and the node. The result holds, per `x`, the entry of its gradient, or a null
// entry when nothing reaches it (zero).
struct GradientOptions {
  // Shapes of forward entries where known (for ops whose gradient depends on rank), else unknown.
  std::function<Shape(const NodeEntry&)> shape_of;
  // Dtypes (-1 where unknown) and devices ("" where unknown) of forward entries: a missing output gradient
  // becomes _zeros of the output's shape, dtype and device without reading the output itself.
  std::function<int(const NodeEntry&)> dtype_of;
  std::function<std::string(const NodeEntry&)> device_of;
  // Names gradient nodes after the forward node: "<forward>_backward_<op>".
  bool name_nodes = true;
};

std::vector<NodeEntry> build_gradient(std::span<const NodeEntry> ys, std::span<const NodeEntry> ygrads,
                                      std::span<const NodeEntry> xs, const GradientOptions& options = {});

}  // namespace sn
