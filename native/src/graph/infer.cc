#include "graph/infer.h"

#include "core/str.h"

namespace sn {

// Runs every op's inference over the graph, forwards then backwards, until nothing changes.
namespace {

template <class T>
std::vector<typename T::Value> infer(const IndexedGraph& g, std::vector<typename T::Value> values) {
  using V = typename T::Value;
  // `what` describes the entry; it is called only to report a conflict (no text is built per visit).
  auto merge_entry = [&](size_t e, const V& v, const Node& by, auto&& what) -> bool {
    V before = values[e];
    if (!T::merge(values[e], v))
      throw_error(T::kCode, str("Error in operator ", by.name, " (", by.attrs.op->name, "): ", what(), " has ", T::kWhat,
                                " ", T::text(v), " but ", T::text(before), " was inferred or given for it"));
    return !(values[e] == before);
  };
  std::vector<V> in, out;
  auto visit = [&](size_t i) -> bool {
    Node& n = *g.nodes[i];
    if (n.is_variable()) return false;
    in.clear();
    out.clear();
    for (const NodeEntry& e : n.inputs) in.push_back(values[g.entry(e)]);
    for (size_t k = g.row_ptr[i]; k < g.row_ptr[i + 1]; ++k) out.push_back(values[k]);
    try {
      T::run(n.attrs, in, out);
    } catch (const Error& err) {
      throw_error(err.code(), str("Error in operator ", n.name, ": ", err.message()));
    }
    bool changed = false;
    SN_INTERNAL_ASSERT(in.size() == n.inputs.size() && out.size() == g.row_ptr[i + 1] - g.row_ptr[i], n.attrs.op->name,
                       ": inference changed the number of inputs or outputs");
    for (size_t k = 0; k < in.size(); ++k)
      changed |= merge_entry(g.entry(n.inputs[k]), in[k], n, [&] {
        return str("input ", k, " (", n.attrs.op->input_name(static_cast<int>(k)), ", from ", n.inputs[k].node->name, ")");
      });
    for (size_t k = 0; k < out.size(); ++k)
      changed |= merge_entry(g.row_ptr[i] + k, out[k], n, [k] { return str("output ", k); });
    return changed;
  };
  for (size_t pass = 0; pass < 2 * g.nodes.size() + 2; ++pass) {
    bool changed = false;
    if (pass % 2 == 0)
      for (size_t i = 0; i < g.nodes.size(); ++i) changed |= visit(i);
    else
      for (size_t i = g.nodes.size(); i-- > 0;) changed |= visit(i);
    if (!changed && pass > 0) break;
  }
  return values;
}

}  // namespace

std::vector<Shape> ShapeTraits::infer(const IndexedGraph& g, std::vector<Shape> values) {
  return sn::infer<ShapeTraits>(g, std::move(values));
}

std::vector<int> TypeTraits::infer(const IndexedGraph& g, std::vector<int> values) {
  return sn::infer<TypeTraits>(g, std::move(values));
}

}  // namespace sn
