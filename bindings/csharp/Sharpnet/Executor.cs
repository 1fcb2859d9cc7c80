using System.Collections.ObjectModel;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>What an executor's memory plan decided, for its intermediate values only (no arguments, gradients,
/// auxiliary states or kernel workspace).</summary>
/// <param name="PlannedBytes">The buffers the plan allocates.</param>
/// <param name="LowerBoundBytes">The most bytes live at once in the executor's order: no plan of that order needs less.</param>
/// <param name="UnsharedBytes">What every intermediate value in its own buffer would take.</param>
/// <param name="Buffers">How many buffers the plan allocates.</param>
/// <param name="InPlacePairs">Outputs that took their input's buffer.</param>
/// <param name="Steps">Operator steps (forward and backward).</param>
/// <param name="ForwardSteps">Steps Forward runs.</param>
/// <param name="CseMerged">Nodes removed by common subexpression elimination.</param>
/// <param name="MirrorCopies">Forward nodes recomputed in backward (<see cref="ExecutorOptions.Mirror"/>).</param>
public sealed record MemoryPlan(long PlannedBytes, long LowerBoundBytes, long UnsharedBytes, long Buffers, long InPlacePairs,
                                long Steps, long ForwardSteps, long CseMerged, long MirrorCopies);

/// <summary>How an executor plans and runs its graph (the defaults are the native library's, which are MXNet's).</summary>
public sealed record ExecutorOptions
{
    private static readonly Interop.ExecutorOptions s_native = NativeDefaults();

    private static Interop.ExecutorOptions NativeDefaults()
    {
        NativeStatus.Check(Native.sn_executor_default_options(out Interop.ExecutorOptions o));
        return o;
    }

    /// <summary>Merge identical subexpressions.</summary>
    public bool CommonSubexpressionElimination { get; init; } = s_native.Cse != 0;
    /// <summary>Recompute cheap forward values in backward instead of keeping them (MXNET_BACKWARD_DO_MIRROR).</summary>
    public bool Mirror { get; init; } = s_native.Mirror != 0;
    /// <summary>Let an output take its input's buffer where the operator allows it.</summary>
    public bool InPlace { get; init; } = s_native.Inplace != 0;
    /// <summary>Reuse the buffers of values no longer needed; false gives every value its own buffer.</summary>
    public bool ShareMemory { get; init; } = s_native.ShareMemory != 0;
    /// <summary>Buffer reuse size range (MXNET_EXEC_MATCH_RANGE).</summary>
    public int MatchRange { get; init; } = s_native.MatchRange;
    /// <summary>Runs of tiny operators pushed as one engine operation (1: none).</summary>
    public int BulkMax { get; init; } = s_native.BulkMax;

    internal Interop.ExecutorOptions ToNative()
    {
        if (MatchRange < 1) throw new ArgumentOutOfRangeException(nameof(MatchRange), MatchRange, "ExecutorOptions.MatchRange must be >= 1");
        if (BulkMax < 1) throw new ArgumentOutOfRangeException(nameof(BulkMax), BulkMax, "ExecutorOptions.BulkMax must be >= 1");
        return new Interop.ExecutorOptions
        {
            Cse = CommonSubexpressionElimination ? (byte)1 : (byte)0, Mirror = Mirror ? (byte)1 : (byte)0,
            Inplace = InPlace ? (byte)1 : (byte)0, ShareMemory = ShareMemory ? (byte)1 : (byte)0, MatchRange = MatchRange,
            BulkMax = BulkMax,
        };
    }
}

/// <summary>
/// A symbol bound to arrays (MXNet's Executor): Forward and Backward push the graph's
/// operators over memory planned once at bind. <see cref="Outputs"/> are overwritten by every Forward. Arrays the
/// executor allocated (SimpleBind, Reshape, and always the outputs) are disposed with it; arrays given to Bind stay
/// the caller's. One thread uses an executor at a time; executors sharing parameters may run concurrently while they
/// only read them.
/// </summary>
public sealed class Executor : IDisposable
{
    private readonly ExecutorHandle _handle;
    private readonly NDArray[] _args, _aux, _outputs;
    private readonly NDArray?[] _grads;
    private readonly List<NDArray> _owned = new();
    private readonly string[] _argNames, _auxNames, _outputNames;

    /// <summary>Executors alive in this process (leak tests).</summary>
    public static long LiveCount
    {
        get
        {
            NativeStatus.Check(Native.sn_executor_live_count(out long n));
            return n;
        }
    }

    // `given`: the arrays the caller bound (kept as the same objects); null for arrays to take from the native side.
    private Executor(ExecutorHandle handle, NDArray[]? args, NDArray?[]? grads, NDArray[]? aux)
    {
        _handle = handle;
        try
        {
            _argNames = Names(NativeExecutorArrays.Arguments);
            _auxNames = Names(NativeExecutorArrays.AuxiliaryStates);
            _outputNames = Names(NativeExecutorArrays.Outputs);
            _args = args ?? Fetch(NativeExecutorArrays.Arguments).Select(a => a!).ToArray();
            _grads = grads ?? Fetch(NativeExecutorArrays.Gradients);
            _aux = aux ?? Fetch(NativeExecutorArrays.AuxiliaryStates).Select(a => a!).ToArray();
            _outputs = Fetch(NativeExecutorArrays.Outputs).Select(a => a!).ToArray();
        }
        catch
        {
            Dispose();
            throw;
        }
        ArgDict = Dict(_argNames, _args);
        AuxDict = Dict(_auxNames, _aux);
        OutputDict = Dict(_outputNames, _outputs);
        var grad = new Dictionary<string, NDArray>();
        for (int i = 0; i < _argNames.Length; i++)
            if (_grads[i] is { } g) grad[_argNames[i]] = g;
        GradDict = new ReadOnlyDictionary<string, NDArray>(grad);
    }

    private ExecutorHandle Handle => _handle.IsClosed ? throw new ObjectDisposedException(nameof(Executor)) : _handle;

    private unsafe string[] Names(NativeExecutorArrays kind)
    {
        NativeStatus.Check(Native.sn_executor_num_arrays(_handle, kind, out int count));
        NativeStatus.Check(Native.sn_executor_list_names(_handle, kind, out byte* text, out long length));
        return NulText.Split(text, length, count);
    }

    private NDArray?[] Fetch(NativeExecutorArrays kind)
    {
        NativeStatus.Check(Native.sn_executor_num_arrays(_handle, kind, out int count));
        var result = new NDArray?[count];
        for (int i = 0; i < count; i++)
        {
            NativeStatus.Check(Native.sn_executor_get_array(_handle, kind, i, out byte present, out NDArrayHandle h));
            if (present == 0)
            {
                h.Dispose();
                continue;
            }
            var a = new NDArray(h, ownsStorage: false, register: false);
            _owned.Add(a);
            result[i] = a;
        }
        return result;
    }

    private static IReadOnlyDictionary<string, NDArray> Dict(string[] names, NDArray[] arrays)
    {
        var d = new Dictionary<string, NDArray>();
        for (int i = 0; i < names.Length; i++) d.TryAdd(names[i], arrays[i]);
        return new ReadOnlyDictionary<string, NDArray>(d);
    }

    /// <summary>Binds <paramref name="symbol"/> (Symbol.Bind).</summary>
    internal static unsafe Executor Bind(Symbol symbol, Context ctx, IReadOnlyDictionary<string, NDArray> args,
                                         IReadOnlyDictionary<string, NDArray>? argsGrad, GradReq gradReq,
                                         IReadOnlyDictionary<string, GradReq>? gradReqs,
                                         IReadOnlyDictionary<string, NDArray>? auxStates, Executor? sharedExec,
                                         ExecutorOptions? options)
    {
        ArgumentNullException.ThrowIfNull(args);
        IReadOnlyList<string> argNames = symbol.ListArguments(), auxNames = symbol.ListAuxiliaryStates();
        CheckNames("args", args.Keys, argNames);
        if (argsGrad is not null) CheckNames("argsGrad", argsGrad.Keys, argNames);
        if (gradReqs is not null) CheckNames("gradReqs", gradReqs.Keys, argNames);
        if (auxStates is not null) CheckNames("auxStates", auxStates.Keys, auxNames);
        var argArrays = new NDArray[argNames.Count];
        var gradArrays = new NDArray?[argNames.Count];
        var reqs = new GradReq[argNames.Count];
        for (int i = 0; i < argNames.Count; i++)
        {
            string name = argNames[i];
            argArrays[i] = args.TryGetValue(name, out var a) ? a
                : throw new ArgumentException($"Bind: no array for argument '{name}' (the arguments are {string.Join(", ", argNames)})", nameof(args));
            GradReq req = gradReqs is not null && gradReqs.TryGetValue(name, out var r) ? r : gradReq;
            NDArray? g = null;
            argsGrad?.TryGetValue(name, out g);
            // MXNet: without a gradient array there is no gradient, whatever the request.
            reqs[i] = g is null ? GradReq.Null : req;
            gradArrays[i] = reqs[i] == GradReq.Null ? null : g;
        }
        var auxArrays = new NDArray[auxNames.Count];
        for (int i = 0; i < auxNames.Count; i++)
            auxArrays[i] = auxStates is not null && auxStates.TryGetValue(auxNames[i], out var x) ? x
                : throw new ArgumentException($"Bind: no array for auxiliary state '{auxNames[i]}' (the auxiliary states are {string.Join(", ", auxNames)})", nameof(auxStates));
        using var argPins = new HandlePins<NDArray>(argArrays, firstAllowsNull: false, gradArrays, "args");
        using var auxPins = new HandlePins<NDArray>(auxArrays, firstAllowsNull: false, firstName: "auxStates");
        NativeStatus.Check(Native.sn_executor_bind(symbol.Handle, ctx.DeviceType, ctx.DeviceId, argPins.First, argArrays.Length,
                                                   argPins.Second, gradArrays.Length, reqs, auxPins.First, auxArrays.Length,
                                                   sharedExec?.Handle ?? s_null, (options ?? s_defaults).ToNative(),
                                                   out ExecutorHandle h));
        return new Executor(h, argArrays, gradArrays, auxArrays);
    }

    /// <summary>Binds with arrays allocated from shapes (Symbol.SimpleBind).</summary>
    internal static Executor SimpleBind(Symbol symbol, Context ctx, IReadOnlyDictionary<string, Shape> shapes,
                                        IReadOnlyDictionary<string, DType>? types, GradReq gradReq,
                                        IReadOnlyDictionary<string, GradReq>? gradReqs, Executor? sharedExec,
                                        ExecutorOptions? options)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        IReadOnlyList<string> argNames = symbol.ListArguments();
        if (gradReqs is not null) CheckNames("gradReqs", gradReqs.Keys, argNames);
        var reqs = argNames.Select(n => gradReqs is not null && gradReqs.TryGetValue(n, out var r) ? r : gradReq).ToArray();
        var (names, dims, ndims) = ShapeLists(shapes, "SimpleBind");
        var typeEntries = (types ?? new Dictionary<string, DType>()).ToArray();
        byte[] typeNames = NulText.Join(typeEntries.Select(e => e.Key), "SimpleBind type names");
        int[] flags = typeEntries.Select(e => (int)e.Value).ToArray();
        NativeStatus.Check(Native.sn_executor_simple_bind(symbol.Handle, ctx.DeviceType, ctx.DeviceId, names, dims, ndims,
                                                          typeNames, flags, reqs, sharedExec?.Handle ?? s_null,
                                                          (options ?? s_defaults).ToNative(), out ExecutorHandle h));
        return new Executor(h, null, null, null);
    }

    private static readonly ExecutorHandle s_null = new();
    private static readonly ExecutorOptions s_defaults = new();

    private static (byte[] Names, long[] Dims, int[] NDims) ShapeLists(IReadOnlyDictionary<string, Shape> shapes, string what)
    {
        var entries = shapes.ToArray();
        return (NulText.Join(entries.Select(e => e.Key), what + " input names"),
                entries.SelectMany(e => e.Value.ToArray()).ToArray(), entries.Select(e => e.Value.NDim).ToArray());
    }

    private static void CheckNames(string what, IEnumerable<string> given, IReadOnlyList<string> known)
    {
        foreach (string name in given)
            if (!known.Contains(name))
                throw new ArgumentException($"Bind: '{name}' in {what} is not {(what == "auxStates" ? "an auxiliary state" : "an argument")} of the symbol; they are {(known.Count == 0 ? "none" : string.Join(", ", known))}", what);
    }

    /// <summary>
    /// Runs the forward pass (pushed: returns at once; errors surface when an output is read) after copying
    /// <paramref name="inputs"/> (by argument name) into the bound arguments, and returns <see cref="Outputs"/>.
    /// <paramref name="isTrain"/>: training mode (Dropout, BatchNorm's batch statistics).
    /// </summary>
    public IReadOnlyList<NDArray> Forward(bool isTrain = false, IReadOnlyDictionary<string, NDArray>? inputs = null)
    {
        if (inputs is not null)
            foreach (var (name, value) in inputs)
            {
                if (!ArgDict.TryGetValue(name, out var arg))
                    throw new ArgumentException($"Forward: '{name}' is not an argument; the arguments are {string.Join(", ", _argNames)}", nameof(inputs));
                if (value.Shape != arg.Shape)
                    throw new SharpnetException(ErrorCode.Shape, $"Forward: input '{name}' has shape {value.Shape} but the executor was bound with {arg.Shape} (Reshape binds new shapes)");
                value.CopyTo(arg);
            }
        NativeStatus.Check(Native.sn_executor_forward(Handle, isTrain ? (byte)1 : (byte)0));
        return Outputs;
    }

    /// <summary>
    /// Runs the backward pass into the gradient arrays (written or added per their request). <paramref name="outGrads"/>:
    /// one per output, or null (ones; loss outputs such as SoftmaxOutput read none).
    /// </summary>
    public unsafe void Backward(IReadOnlyList<NDArray?>? outGrads = null, bool isTrain = true)
    {
        NDArray?[] heads = outGrads?.ToArray() ?? Array.Empty<NDArray?>();
        using var pins = new HandlePins<NDArray>(heads, firstAllowsNull: true, firstName: "outGrads");
        NativeStatus.Check(Native.sn_executor_backward(Handle, pins.First, heads.Length, isTrain ? (byte)1 : (byte)0));
    }

    /// <summary>Backward with one output gradient.</summary>
    public void Backward(NDArray outGrad) => Backward(new[] { outGrad });

    /// <summary>A new executor for new input shapes (MXNet's reshape), sharing this one's memory and every array whose
    /// shape is unchanged. Arrays that shrink become views of the old ones; growing one needs <paramref name="allowUpSizing"/>;
    /// without <paramref name="partialShaping"/> only the inputs named may change shape.</summary>
    public Executor Reshape(IReadOnlyDictionary<string, Shape> shapes, bool partialShaping = false, bool allowUpSizing = false)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var (names, dims, ndims) = ShapeLists(shapes, "Reshape");
        NativeStatus.Check(Native.sn_executor_reshape(Handle, names, dims, ndims, partialShaping ? (byte)1 : (byte)0,
                                                      allowUpSizing ? (byte)1 : (byte)0, out ExecutorHandle h));
        return new Executor(h, null, null, null);
    }

    /// <summary>The outputs, in <see cref="Symbol.ListOutputs"/> order (overwritten by every Forward).</summary>
    public IReadOnlyList<NDArray> Outputs => _outputs;
    /// <summary>The arguments by name (write into them with <c>[..] = values</c> or CopyTo).</summary>
    public IReadOnlyDictionary<string, NDArray> ArgDict { get; }
    /// <summary>The gradient arrays by argument name (arguments whose request is not null).</summary>
    public IReadOnlyDictionary<string, NDArray> GradDict { get; }
    /// <summary>The auxiliary states by name.</summary>
    public IReadOnlyDictionary<string, NDArray> AuxDict { get; }
    /// <summary>The outputs by name.</summary>
    public IReadOnlyDictionary<string, NDArray> OutputDict { get; }
    /// <summary>The arguments in <see cref="Symbol.ListArguments"/> order.</summary>
    public IReadOnlyList<NDArray> ArgArrays => _args;
    /// <summary>The gradients in argument order (null where the request is null).</summary>
    public IReadOnlyList<NDArray?> GradArrays => _grads;
    /// <summary>The auxiliary states in <see cref="Symbol.ListAuxiliaryStates"/> order.</summary>
    public IReadOnlyList<NDArray> AuxArrays => _aux;

    /// <summary>What the memory plan decided.</summary>
    public MemoryPlan MemoryPlan
    {
        get
        {
            NativeStatus.Check(Native.sn_executor_get_plan(Handle, out Interop.MemoryPlan p));
            return new MemoryPlan(p.PlannedBytes, p.LowerBoundBytes, p.UnsharedBytes, p.NumBuffers, p.InplacePairs, p.NumSteps,
                                  p.NumForwardSteps, p.CseMerged, p.MirrorCopies);
        }
    }

    /// <summary>The executed graph, one line per step with each value's buffer (MXNet's debug_str).</summary>
    public unsafe string DebugString()
    {
        NativeStatus.Check(Native.sn_executor_debug_string(Handle, out byte* text));
        return NativeStatus.ReadUtf8(text) ?? "";
    }

    /// <summary>Frees the executor and the arrays it allocated (arrays given to Bind stay the caller's).</summary>
    public void Dispose()
    {
        foreach (NDArray a in _owned) a.Dispose();
        _owned.Clear();
        _handle.Dispose();
    }
}
