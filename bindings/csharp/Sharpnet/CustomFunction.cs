using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// A differentiable function written in C# (MXNet's <c>autograd.Function</c>): override <see cref="Forward"/> and
/// <see cref="Backward"/>, then call <see cref="Apply"/> once per instance. Both run on Sharpnet's custom-function
/// workers, never on the caller's thread or an engine worker, so they may wait on arrays; an exception in either
/// surfaces where the arrays it was computing are waited on, as a <see cref="SharpnetException"/>
/// (<see cref="ErrorCode.Callback"/>) carrying its message.
/// </summary>
/// <remarks>
/// Inside the callbacks autograd is paused and the training flag is the call's. Arrays created there are disposed
/// when the callback returns, except those kept with <see cref="SaveForBackward"/>. The arrays a callback returns
/// are copied into the function's outputs and must match the shapes and dtypes of <see cref="InferOutputs"/>.
/// </remarks>
public abstract class CustomFunction
{
    private NDArray[] _saved = [];
    private int _applied;

    /// <summary>Computes the outputs from the inputs.</summary>
    protected abstract NDArray[] Forward(IReadOnlyList<NDArray> inputs);

    /// <summary>Computes the gradients of the inputs from the gradients of the outputs.</summary>
    protected abstract NDArray[] Backward(IReadOnlyList<NDArray> outputGrads);

    /// <summary>The shape and dtype of each output; by default one output shaped like the first input.</summary>
    protected virtual IReadOnlyList<(Shape Shape, DType DType)> InferOutputs(IReadOnlyList<NDArray> inputs) =>
        inputs.Count > 0
            ? [(inputs[0].Shape, inputs[0].DType)]
            : throw new InvalidOperationException($"{GetType().Name}: a function without inputs must override InferOutputs");

    /// <summary>Keeps arrays for <see cref="Backward"/> (call from <see cref="Forward"/>).</summary>
    protected void SaveForBackward(params NDArray[] arrays)
    {
        foreach (NDArray a in _saved) a.Dispose();
        _saved = arrays.Select(a => a.Detach().MoveToOuterScope()).ToArray();
    }

    /// <summary>What <see cref="SaveForBackward"/> kept.</summary>
    protected IReadOnlyList<NDArray> SavedTensors => _saved;

    /// <summary>Applies the function (once per instance); returns its outputs at once, computed asynchronously.</summary>
    public unsafe NDArray[] Apply(params NDArray[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (Interlocked.Exchange(ref _applied, 1) != 0)
            throw new InvalidOperationException($"{GetType().Name}: a CustomFunction instance is applied once; create a new one per call");
        IReadOnlyList<(Shape Shape, DType DType)> outputs = InferOutputs(inputs);
        var dims = new List<long>();
        var ndims = new int[outputs.Count];
        var dtypes = new DType[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            dims.AddRange(outputs[i].Shape.Dims.ToArray());
            ndims[i] = outputs[i].Shape.NDim;
            dtypes[i] = outputs[i].DType;
        }
        var handles = new NDArrayHandle[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) handles[i] = (inputs[i] ?? throw new ArgumentNullException($"inputs[{i}]")).Handle;
        var raw = new nint[inputs.Length];
        var results = new nint[outputs.Count];
        GCHandle self = GCHandle.Alloc(this);  // released by the native side through Release, exactly once
        int added = 0;
        try
        {
            for (; added < handles.Length; added++)
            {
                bool ok = false;
                handles[added].DangerousAddRef(ref ok);
                raw[added] = handles[added].DangerousGetHandle();
            }
            fixed (nint* p = raw)
            fixed (nint* r = results)
            {
                NativeStatus.Check(Native.sn_custom_function_invoke(&Callback, &Release, (void*)GCHandle.ToIntPtr(self), p,
                    raw.Length, dims.ToArray(), ndims, dtypes, Autograd.CurrentFlags, r, results.Length));
            }
        }
        finally
        {
            for (int i = 0; i < added; i++) handles[i].DangerousRelease();
        }
        return results.Select(h => NDArray.FromNewHandle(h)).ToArray();
    }

    [UnmanagedCallersOnly]
    private static unsafe ErrorCode Callback(void* userData, int stage, nint* inputs, int numInputs, nint* outputs,
                                             int numOutputs, byte isTrain)
    {
        // The handles are ours: wrap them first, so they are freed whatever happens.
        var ins = new NDArray[numInputs];
        var outs = new NDArray[numOutputs];
        for (int i = 0; i < numInputs; i++) ins[i] = NDArray.FromNewHandle(inputs[i], ownsStorage: false, register: false);
        for (int i = 0; i < numOutputs; i++) outs[i] = NDArray.FromNewHandle(outputs[i], ownsStorage: false, register: false);
        try
        {
            var fn = (CustomFunction)GCHandle.FromIntPtr((nint)userData).Target!;
            using NDArrayScope scope = NDArray.NewScope();
            using Autograd.Scope mode = Autograd.Pause(trainMode: isTrain != 0);
            NDArray[] results = stage == 0 ? fn.Forward(ins) : fn.Backward(ins);
            string what = stage == 0 ? "Forward" : "Backward";
            if (results is null || results.Length != numOutputs)
                throw new InvalidOperationException(
                    $"{fn.GetType().Name}.{what} returned {results?.Length ?? 0} array(s); expected {numOutputs}");
            for (int i = 0; i < numOutputs; i++)
            {
                NDArray r = results[i] ?? throw new InvalidOperationException($"{fn.GetType().Name}.{what} returned null at {i}");
                ND.Identity(r, outs[i]);  // exact shape and dtype, or a clear error
            }
            return ErrorCode.Ok;
        }
        catch (Exception e)
        {
            Native.sn_callback_set_error($"{e.GetType().Name}: {e.Message}");
            return ErrorCode.Callback;
        }
        finally
        {
            foreach (NDArray a in ins) a.Dispose();
            foreach (NDArray a in outs) a.Dispose();
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe void Release(void* userData)
    {
        GCHandle self = GCHandle.FromIntPtr((nint)userData);
        if (self.Target is CustomFunction fn)
        {
            foreach (NDArray a in fn._saved) a.Dispose();
            fn._saved = [];
        }
        self.Free();
    }
}
