// Imperative autograd: recording ops on a tape of graph nodes, and backward.
#pragma once

#include <span>
#include <vector>

#include "graph/graph.h"
#include "ndarray/ndarray.h"

namespace sn {

// Values are MXNet's OpReqType codes.
enum class GradReq : int32_t { kNull = 0, kWrite = 1, kAdd = 3 };

// What an NDArray's `autograd` slot holds: the graph entry that produced it
// (a recorded op's output, or a variable node for an array with an attached gradient).
struct AutogradEntry {
  NodePtr node;
  uint32_t index = 0;
};

// Makes `x` a variable whose gradient backward writes (or adds) into `grad`
// (a new zero array when none is given). Replaces any history `x` had.
void attach_grad(NDArray& x, GradReq req, NDArray grad = NDArray());
// The gradient buffer of an array with an attached gradient; none otherwise.
NDArray get_grad(const NDArray& x);
// The gradient request of a variable (kNull for anything else).
GradReq get_grad_req(const NDArray& x);
// The same data without history: gradients stop here.
NDArray detach(const NDArray& x);

struct BackwardOptions {
  bool retain_graph = false;  // keep what the recorded ops saved, for another backward
  bool create_graph = false;  // record the gradient computation (higher-order gradients)
  bool train_mode = true;     // the training flag the gradient ops run with
};

// Note [Backward]
// The recorded tape is a graph (Note [Gradient pass] builds its gradient).
// Backward runs the gradient graph node by node through the engine: values of
// forward entries come from what each recorded op saved, intermediate
// gradients are released after their last use, and every saved array is first
// checked not to have been written since it was recorded. Without
// retain_graph the saved arrays are released afterwards, and a second backward
// over the same nodes is an error. With create_graph the gradient ops are
// themselves recorded, so their results can be differentiated again.

// Gradients of `heads` (weighted by `head_grads`, ones where none) with
// respect to `variables` (arrays with an attached gradient); a none array
// where a variable does not influence the heads.
std::vector<NDArray> grad(std::span<const NDArray> heads, std::span<const NDArray> head_grads,
                          std::span<const NDArray> variables, const BackwardOptions& options);

// Backward into the gradient buffers of every variable the heads depend on
// (written or added as attached; variables no head depends on get zeros when written).
void backward(std::span<const NDArray> heads, std::span<const NDArray> head_grads, const BackwardOptions& options);

// Whether the array has autograd history or an attached gradient.
bool has_history(const NDArray& x) noexcept;

}  // namespace sn
