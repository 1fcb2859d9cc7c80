// The imperative invoke path: how an op call on NDArrays flows, and where
// autograd recording and deferred compute attach.
#pragma once

namespace sn {

// Note [Invoke path]
// Every imperative op call, from C# (ND.* wrappers, operators) or native code,
// takes one path, so recording and tracing can never be bypassed:
//
//   binding: op handle + typed params (or MXNet strings, parsed once per call
//            site) + the ambient flags below, read from .NET AsyncLocal state
//            and passed with every call (after an await, a pool thread's
//            native thread-locals belong to another task)
//   -> invoke(op, inputs, params, flags, optional outputs)
//      1. meta: the registry infers output shapes and dtypes (no data read)
//         and creates the outputs with NDArray::empty (storage stays lazy);
//         `@out` arrays are checked against the inferred shape and dtype.
//      2. if flags.deferred: the deferred-compute hook (installed by the
//         graph layer) appends a graph node whose inputs are the inputs'
//         NDArray::deferred entries and gives every output a new entry. No
//         kernel runs; the outputs have shapes and dtypes but no values, and
//         reading one is an error naming the op. This is how Gluon's
//         Hybridize turns plain C# Forward(NDArray) code into a cached graph.
//      3. otherwise the kernel is pushed through the engine: reads = inputs,
//         writes = outputs + mutated auxiliary states (BatchNorm's moving
//         statistics); its RunContext gives the intra-op thread budget.
//      4. if flags.recording: the autograd hook (installed by the autograd
//         layer) adds a tape node holding the op, its params, the inputs'
//         NDArray::autograd entries and only the arrays its gradient reads;
//         the outputs get entries pointing at the node. An in-place write to
//         an array that has an entry is refused (versions, NDArray::version).
//
// The hooks are function pointers that the upper layers install at start-up,
// so this layer includes neither autograd nor graph; NDArray carries their
// per-array state in the opaque `autograd` and `deferred` slots, whose types
// those layers define. The built-in copies and fills of this layer become
// registered ops (_copyto, _full, _arange, _slice_assign) with the registry,
// so they are recorded and traced like any other op.
struct InvokeFlags {
  bool recording = false;  // autograd.record() is active
  bool training = false;   // train mode (Dropout, BatchNorm)
  bool deferred = false;   // a HybridBlock is being traced
};

}  // namespace sn
