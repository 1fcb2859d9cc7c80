using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// Imperative automatic differentiation (MXNet's <c>autograd</c>): operations on arrays with an attached gradient
/// are recorded inside <see cref="Record"/>, then <see cref="Backward(IReadOnlyList{NDArray}, IReadOnlyList{NDArray?}?, bool, bool)"/>
/// or <see cref="NDArray.Backward"/> computes gradients.
/// </summary>
/// <remarks>
/// Recording and training are ambient state of the current async flow (an <see cref="AsyncLocal{T}"/>): a scope
/// started on one task or thread never affects another, and the flags travel with every native call instead of
/// living in native thread-locals, which would follow the pool thread rather than the task after an await.
/// </remarks>
public static class Autograd
{
    internal sealed record State(bool Recording, bool Training, bool Deferred);

    private static readonly AsyncLocal<State?> s_state = new();

    /// <summary>Whether operations are being recorded on this flow.</summary>
    public static bool IsRecording => s_state.Value?.Recording ?? false;

    /// <summary>Whether operations run in training mode on this flow (Dropout drops, BatchNorm uses batch statistics).</summary>
    public static bool IsTraining => s_state.Value?.Training ?? false;

    /// <summary>The flags passed with every native invocation.</summary>
    internal static uint CurrentFlags
    {
        get
        {
            State? s = s_state.Value;
            if (s is null) return 0;
            return (s.Recording ? (uint)NativeInvokeFlag.Recording : 0) | (s.Training ? (uint)NativeInvokeFlag.Training : 0)
                 | (s.Deferred ? (uint)NativeInvokeFlag.Deferred : 0);
        }
    }

    /// <summary>Records operations until disposed, in training mode unless <paramref name="trainMode"/> is false.</summary>
    public static Scope Record(bool trainMode = true) => Enter(recording: true, training: trainMode);

    /// <summary>Stops recording until disposed (in predict mode unless <paramref name="trainMode"/>).</summary>
    public static Scope Pause(bool trainMode = false) => Enter(recording: false, training: trainMode);

    /// <summary>Training mode until disposed; recording is unchanged.</summary>
    public static Scope TrainMode() => Enter(IsRecording, training: true);

    /// <summary>Predict mode until disposed; recording is unchanged.</summary>
    public static Scope PredictMode() => Enter(IsRecording, training: false);

    private static Scope Enter(bool recording, bool training)
    {
        State? previous = s_state.Value;
        s_state.Value = new State(recording, training, previous?.Deferred ?? false);
        return new Scope(previous);
    }

    /// <summary>Restores the previous recording and training state when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly State? _previous;
        internal Scope(State? previous) => _previous = previous;
        /// <summary>Restores the state from before the scope.</summary>
        public void Dispose() => s_state.Value = _previous;
    }

    /// <summary>
    /// Computes the gradients of <paramref name="heads"/> into the gradient buffers of every variable they depend on
    /// (written or added per its <see cref="GradReq"/>). <paramref name="headGrads"/> weighs the heads (null, or null
    /// entries: ones). Without <paramref name="retainGraph"/> the recorded graph is freed and cannot be used again.
    /// </summary>
    public static unsafe void Backward(IReadOnlyList<NDArray> heads, IReadOnlyList<NDArray?>? headGrads = null,
                                       bool retainGraph = false, bool trainMode = true)
    {
        ArgumentNullException.ThrowIfNull(heads);
        using var h = new Handles(heads);
        using var g = new Handles(headGrads);
        NativeStatus.Check(Native.sn_autograd_backward(h.Pointer, h.Count, g.Pointer, g.Count, (byte)(retainGraph ? 1 : 0),
                                                       (byte)(trainMode ? 1 : 0)));
    }

    /// <summary>
    /// The gradients of <paramref name="heads"/> with respect to <paramref name="variables"/>, returned rather than stored
    /// (MXNet's <c>autograd.grad</c>). With <paramref name="createGraph"/> the computation is recorded, so the results
    /// can be differentiated again. A variable the heads do not depend on gets zeros.
    /// </summary>
    public static unsafe NDArray[] Grad(IReadOnlyList<NDArray> heads, IReadOnlyList<NDArray> variables,
                                        IReadOnlyList<NDArray?>? headGrads = null, bool? retainGraph = null,
                                        bool createGraph = false, bool trainMode = true)
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(variables);
        var results = new nint[variables.Count];
        using (var h = new Handles(heads))
        using (var g = new Handles(headGrads))
        using (var v = new Handles(variables))
        {
            fixed (nint* r = results)
            {
                NativeStatus.Check(Native.sn_autograd_grad(h.Pointer, h.Count, g.Pointer, g.Count, v.Pointer, v.Count,
                    (byte)(retainGraph ?? createGraph ? 1 : 0), (byte)(createGraph ? 1 : 0), (byte)(trainMode ? 1 : 0), r,
                    results.Length));
            }
        }
        var grads = new NDArray[results.Length];
        for (int i = 0; i < grads.Length; i++)
            grads[i] = results[i] != 0 ? NDArray.FromNewHandle(results[i])
                                       : NDArray.Zeros(variables[i].Shape, variables[i].DType, variables[i].Context);
        return grads;
    }

    /// <summary>
    /// Marks arrays as variables whose gradients backward stores into <paramref name="gradients"/> (MXNet's
    /// <c>autograd.mark_variables</c>); <see cref="NDArray.AttachGrad"/> is the one-array form.
    /// </summary>
    public static void MarkVariables(IReadOnlyList<NDArray> variables, IReadOnlyList<NDArray> gradients,
                                     GradReq gradReq = GradReq.Write)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(gradients);
        if (variables.Count != gradients.Count)
            throw new ArgumentException($"MarkVariables: expected one gradient buffer per variable ({variables.Count}), got {gradients.Count}",
                                        nameof(gradients));
        for (int i = 0; i < variables.Count; i++) variables[i].AttachGrad(gradReq, gradients[i]);
    }

    /// <summary>Raw handles of a list of arrays (null entries stay NULL), kept alive until disposed.</summary>
    private readonly unsafe struct Handles : IDisposable
    {
        private readonly NDArray?[]? _arrays;
        private readonly nint[]? _raw;
        private readonly System.Runtime.InteropServices.GCHandle _pin;

        internal Handles(IReadOnlyList<NDArray?>? arrays)
        {
            if (arrays is null || arrays.Count == 0) return;
            _arrays = arrays.ToArray();
            var handles = new NDArrayHandle?[_arrays.Length];
            for (int i = 0; i < handles.Length; i++) handles[i] = _arrays[i]?.Handle;  // throws for a disposed array
            _raw = new nint[_arrays.Length];
            for (int i = 0; i < handles.Length; i++)
            {
                if (handles[i] is not { } h) continue;
                bool ok = false;
                h.DangerousAddRef(ref ok);
                _raw[i] = h.DangerousGetHandle();
            }
            _pin = System.Runtime.InteropServices.GCHandle.Alloc(_raw, System.Runtime.InteropServices.GCHandleType.Pinned);
        }

        internal nint* Pointer => _raw is null ? null : (nint*)_pin.AddrOfPinnedObject();
        internal int Count => _raw?.Length ?? 0;

        public void Dispose()
        {
            if (_raw is null) return;
            _pin.Free();
            for (int i = 0; i < _arrays!.Length; i++)
                if (_raw[i] != 0) _arrays[i]!.Handle.DangerousRelease();
        }
    }
}
