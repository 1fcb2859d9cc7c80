// Graph inference: every op's shape or dtype inference run over a numbered graph, in both
// directions until nothing changes (Symbol's infer_shape/infer_type, the executor's planning).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"

namespace sn {

// The graph as numbered nodes and entries (MXNet's IndexedGraph): entry ids are row_ptr[node] + output.
struct IndexedGraph {
  std::vector<Node*> nodes;
  std::unordered_map<const Node*, size_t> id;
  std::vector<size_t> row_ptr;

  explicit IndexedGraph(std::vector<Node*> order) : nodes(std::move(order)) {
    row_ptr.push_back(0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      id.emplace(nodes[i], i);
      row_ptr.push_back(row_ptr.back() + static_cast<size_t>(nodes[i]->num_outputs()));
    }
  }
  size_t entry(const NodeEntry& e) const { return row_ptr[id.at(e.node.get())] + e.index; }
  size_t num_entries() const { return row_ptr.back(); }
};

// Shapes: merging fills unknown dims and ranks; two known values that differ conflict.
struct ShapeTraits {
  using Value = Shape;
  static Value unknown() { return Shape::unknown(); }
  static bool known(const Value& v) { return v.is_known(); }
  static bool merge(Value& slot, const Value& v) { return slot.merge(v); }  // false on conflict
  static std::string text(const Value& v) { return v.to_string(); }
  static bool run(const OpAttrs& a, std::vector<Value>& in, std::vector<Value>& out) {
    return a.op->infer_shape(a, in, out);
  }
  // Every entry's shape from `values` (one per entry, unknown where not given); conflicts throw naming the node.
  static std::vector<Value> infer(const IndexedGraph& g, std::vector<Value> values);
  static constexpr ErrorCode kCode = ErrorCode::kShape;
  static constexpr const char* kWhat = "shape";
};

struct TypeTraits {
  using Value = int;
  static Value unknown() { return -1; }
  static bool known(const Value& v) { return v >= 0; }
  static bool merge(Value& slot, const Value& v) {
    if (v < 0) return true;
    if (slot < 0) {
      slot = v;
      return true;
    }
    return slot == v;
  }
  static std::string text(const Value& v) {
    return v < 0 ? std::string("unknown") : std::string(dtype_name(static_cast<DType>(v)));
  }
  static bool run(const OpAttrs& a, std::vector<Value>& in, std::vector<Value>& out) {
    return a.op->infer_type(a, in, out);
  }
  // As ShapeTraits::infer, for dtypes (-1 unknown).
  static std::vector<Value> infer(const IndexedGraph& g, std::vector<Value> values);
  static constexpr ErrorCode kCode = ErrorCode::kType;
  static constexpr const char* kWhat = "dtype";
};

}  // namespace sn
