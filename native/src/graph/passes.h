// Graph rewrites the executor applies to its own copy of a graph.
#pragma once

#include <span>
#include <unordered_set>
#include <vector>

#include "graph/graph.h"

namespace sn {

// Common subexpression elimination: nodes applying the same op with the same parameters to the same
// inputs become one (ops that draw random numbers or mutate inputs excepted). Rewires the nodes'
// inputs in place, so the graph must be the caller's own; returns the heads, rewired. `merged`
// (optional) receives how many nodes were removed.
std::vector<NodeEntry> eliminate_common_subexpressions(std::span<const NodeEntry> heads, size_t* merged = nullptr);

// Note [Mirror]
// Recomputation (MXNet's mirror, MXNET_BACKWARD_DO_MIRROR): a backward node
// that reads the output of a cheap forward node reads a copy of that node
// instead, made to run just before its first backward use, so the forward
// value can be released once the forward pass is done with it. Copies chain
// through cheap nodes and stop at expensive ones (Convolution,
// Deconvolution, FullyConnected, dot, batch_dot, Concat, BatchNorm, loss
// outputs), whose values stay kept, and never copy random or mutating ops. A
// node whose `__force_mirroring__` attribute is True is always copied.
// `forward` holds the forward nodes; `backward` the nodes to rewire (their
// inputs are changed in place). Returns how many copies were made.
size_t mirror_forward_values(std::span<Node* const> backward, const std::unordered_set<const Node*>& forward);

}  // namespace sn
