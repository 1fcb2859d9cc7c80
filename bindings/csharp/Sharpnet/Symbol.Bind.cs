namespace Sharpnet;

// Binding a symbol to arrays: the executor (MXNet's bind and simple_bind).
public sealed partial class Symbol
{
    /// <summary>
    /// Binds the symbol to arrays (MXNet's bind): <paramref name="args"/> by argument name (every argument),
    /// <paramref name="argsGrad"/> the gradient arrays by argument name (arguments without one get no gradient),
    /// <paramref name="gradReq"/> how Backward stores gradients (<paramref name="gradReqs"/> overrides it per argument),
    /// <paramref name="auxStates"/> every auxiliary state by name, <paramref name="sharedExec"/> an executor whose
    /// memory this one may reuse (the two must not run at the same time). The arrays stay the caller's.
    /// </summary>
    public Executor Bind(Context ctx, IReadOnlyDictionary<string, NDArray> args,
                         IReadOnlyDictionary<string, NDArray>? argsGrad = null, GradReq gradReq = GradReq.Write,
                         IReadOnlyDictionary<string, NDArray>? auxStates = null, Executor? sharedExec = null,
                         IReadOnlyDictionary<string, GradReq>? gradReqs = null, ExecutorOptions? options = null)
        => Executor.Bind(this, ctx, args, argsGrad, gradReq, gradReqs, auxStates, sharedExec, options);

    /// <summary>As <see cref="Bind(Context, IReadOnlyDictionary{string, NDArray}, IReadOnlyDictionary{string, NDArray}?, GradReq, IReadOnlyDictionary{string, NDArray}?, Executor?, IReadOnlyDictionary{string, GradReq}?, ExecutorOptions?)"/>,
    /// with the arrays in <see cref="ListArguments"/>, argument and <see cref="ListAuxiliaryStates"/> order (MXNet's lists).</summary>
    public Executor Bind(Context ctx, IReadOnlyList<NDArray> args, IReadOnlyList<NDArray?>? argsGrad = null,
                         GradReq gradReq = GradReq.Write, IReadOnlyList<NDArray>? auxStates = null, Executor? sharedExec = null,
                         ExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        IReadOnlyList<string> argNames = ListArguments(), auxNames = ListAuxiliaryStates();
        Dictionary<string, NDArray> ByName(string what, IReadOnlyList<string> names, IReadOnlyList<NDArray?> arrays)
        {
            if (arrays.Count != names.Count)
                throw new ArgumentException($"Bind: expected {names.Count} {what} array(s) ({string.Join(", ", names)}), got {arrays.Count}", what);
            var d = new Dictionary<string, NDArray>();
            for (int i = 0; i < names.Count; i++)
                if (arrays[i] is { } a) d[names[i]] = a;
            return d;
        }
        return Executor.Bind(this, ctx, ByName("args", argNames, args), argsGrad is null ? null : ByName("argsGrad", argNames, argsGrad),
                             gradReq, null, auxStates is null ? null : ByName("auxStates", auxNames, auxStates), sharedExec, options);
    }

    /// <summary>
    /// Binds with arrays allocated from input shapes (MXNet's simple_bind): <paramref name="shapes"/> by input name
    /// (the rest are inferred), <paramref name="types"/> by input name (float32 for arguments nothing determines).
    /// Arguments, gradients (for every argument whose request is not null) and auxiliary states start as zeros and
    /// belong to the executor; with <paramref name="sharedExec"/>, arrays of the same name, shape and dtype are shared
    /// with it (MXNet's bucketing).
    /// </summary>
    public Executor SimpleBind(Context ctx, IReadOnlyDictionary<string, Shape> shapes, GradReq gradReq = GradReq.Write,
                               IReadOnlyDictionary<string, DType>? types = null, Executor? sharedExec = null,
                               IReadOnlyDictionary<string, GradReq>? gradReqs = null, ExecutorOptions? options = null)
        => Executor.SimpleBind(this, ctx, shapes, types, gradReq, gradReqs, sharedExec, options);
}
