// The graph executor: a symbol bound to arrays, run forward and backward over planned memory.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "graph/graph_runner.h"
#include "graph/symbol.h"

namespace sn {

struct ExecutorOptions {
  RunnerOptions runner;
  bool cse = true;      // merge identical subexpressions (graph/passes.h)
  bool mirror = false;  // recompute cheap forward values in backward (Note [Mirror])
};

// Note [Executor]
// Bind takes one array per argument and auxiliary state (list order), a
// gradient request per argument (null, write, add) and a gradient array for
// each requested one. It copies the symbol's graph (the user's symbol is never
// changed), merges common subexpressions, infers every shape and dtype from
// the arrays, builds the gradient graph for the requested arguments (Note
// [Gradient pass]) with one head-gradient input per output, appends the
// gradient writes (into the caller's arrays directly where the gradient is a
// fresh backward value, through a copy where it is shared or a forward value,
// and by an in-place add for add requests), and hands the whole graph,
// forward nodes first, to a GraphRunner (Note [Planned runner]). Forward runs
// the forward steps, Backward the rest; outputs are views of planned memory
// that every Forward overwrites (MXNet's executor.outputs). An executor is used
// by one thread at a time; executors sharing parameter arrays may run
// concurrently as long as they only read them (ARCHITECTURE.md).
class Executor {
 public:
  // `grads` and `reqs`: one per argument (a none array where the request is null). `shared`: an
  // executor whose intermediate buffers this one may reuse (never used at the same time).
  static std::unique_ptr<Executor> bind(const Symbol& symbol, const Device& device, std::vector<NDArray> args,
                                        std::vector<NDArray> grads, std::vector<GradReq> reqs,
                                        std::vector<NDArray> aux, const Executor* shared = nullptr,
                                        const ExecutorOptions& options = {});
  // Allocates every array from input shapes and dtypes by name (inferred for the rest; float32 where
  // nothing says otherwise): arguments, auxiliary states and gradients start as zeros. With `shared`,
  // arrays of the same name, shape and dtype are taken from it (MXNet's shared_exec in simple_bind).
  static std::unique_ptr<Executor> simple_bind(const Symbol& symbol, const Device& device,
                                               const std::map<std::string, Shape>& shapes,
                                               const std::map<std::string, int>& dtypes, std::vector<GradReq> reqs,
                                               const Executor* shared = nullptr,
                                               const ExecutorOptions& options = {});
  // A new executor for new input shapes, sharing this one's buffers: arrays whose shape is unchanged
  // are shared; changed ones are views of the old memory when they fit, else new arrays (only with
  // allow_up_sizing); without partial_shaping, only the inputs named may change shape.
  std::unique_ptr<Executor> reshape(const std::map<std::string, Shape>& shapes, bool partial_shaping,
                                    bool allow_up_sizing) const;

  void forward(bool is_train);
  // `head_grads`: one per output, or none (ones for outputs whose gradient reads it; loss outputs read none).
  void backward(std::span<const NDArray> head_grads, bool is_train = true);

  const Symbol& symbol() const noexcept { return symbol_; }
  const Device& device() const noexcept { return device_; }
  const std::vector<std::string>& arg_names() const noexcept { return arg_names_; }
  const std::vector<std::string>& aux_names() const noexcept { return aux_names_; }
  const std::vector<std::string>& output_names() const noexcept { return output_names_; }
  const std::vector<NDArray>& args() const noexcept { return args_; }
  const std::vector<NDArray>& grads() const noexcept { return grads_; }
  const std::vector<GradReq>& reqs() const noexcept { return reqs_; }
  const std::vector<NDArray>& aux() const noexcept { return aux_; }
  const std::vector<NDArray>& outputs() const noexcept { return outputs_; }
  const MemoryPlan& plan() const noexcept { return runner_->plan(); }
  // Bytes of the buffers behind the plan (shared with the executors bound with this one as `shared`).
  size_t buffer_bytes() const noexcept { return runner_->pool()->bytes(); }
  size_t num_forward_steps() const noexcept { return forward_steps_; }
  size_t num_steps() const noexcept { return runner_->num_steps(); }
  size_t cse_merged() const noexcept { return cse_merged_; }
  size_t mirror_copies() const noexcept { return mirror_copies_; }
  const ExecutorOptions& options() const noexcept { return options_; }
  // The executed graph, one line per step: node, op, inputs and outputs with their buffers (MXNet's debug_str).
  std::string debug_string() const;

 private:
  Executor() = default;
  static void check_shared(const Executor* shared, const Device& device, const char* what);
  void build(const Executor* shared);

  Symbol symbol_;
  Device device_;
  ExecutorOptions options_;
  std::vector<std::string> arg_names_, aux_names_, output_names_;
  std::vector<NDArray> args_, grads_, aux_, outputs_;
  std::vector<GradReq> reqs_;
  std::vector<NDArray> head_grads_;   // one per output (none where no gradient reads it)
  std::vector<bool> head_grad_ones_;  // the head gradient holds the ones a Backward without one filled in
  std::vector<NodePtr> nodes_;        // the executed graph in order, and each entry's shape (debug_string)
  std::vector<Shape> shapes_;
  std::unique_ptr<GraphRunner> runner_;
  size_t forward_steps_ = 0;
  size_t cse_merged_ = 0, mirror_copies_ = 0;
  bool has_gradient_ = false;
  bool ran_forward_ = false;
  std::vector<size_t> unreached_writes_;  // arguments with a write request that no output depends on
};

}  // namespace sn
