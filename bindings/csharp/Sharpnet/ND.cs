using System.Collections.Concurrent;
using System.Text;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// Registered operators on NDArrays (MXNet's <c>mx.nd</c>): one generated static method per operator (ND.g.cs), plus
/// calls by name with MXNet's string parameters.
/// </summary>
public static partial class ND
{
    // Prepared calls by (operator, parameters): MXNet's strings are parsed once per distinct call.
    private static readonly ConcurrentDictionary<string, OpCallHandle> s_prepared = new(StringComparer.Ordinal);
    private const int MaxPrepared = 1024;

    /// <summary>
    /// Invokes any registered operator by name or alias with MXNet's string parameters (<c>["kernel"] = "(3, 3)"</c>);
    /// returns its visible outputs. Parameters are checked by the native parser: errors name the operator, the
    /// parameter, what it expects and what was given.
    /// </summary>
    public static NDArray[] Invoke(string op, IReadOnlyList<NDArray> inputs, IReadOnlyDictionary<string, string>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        Operator o = Operator.Get(op);
        OpCallHandle call = Prepare(o, parameters);
        return InvokePrepared(o, call, inputs);
    }

    /// <summary>The canonical names of every registered operator (details: <see cref="Operator.All"/>).</summary>
    public static IReadOnlyList<string> ListOps() => Operator.All.Select(o => o.Name).ToArray();

    private static OpCallHandle Prepare(Operator op, IReadOnlyDictionary<string, string>? parameters)
    {
        var key = new StringBuilder(op.Name);
        var text = new List<byte>();
        if (parameters is not null)
        {
            foreach (var (k, v) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                ArgumentNullException.ThrowIfNull(v, $"parameters[\"{k}\"]");
                key.Append('\0').Append(k).Append('\0').Append(v);
                text.AddRange(Encoding.UTF8.GetBytes(k));
                text.Add(0);
                text.AddRange(Encoding.UTF8.GetBytes(v));
                text.Add(0);
            }
        }
        string cacheKey = key.ToString();
        if (s_prepared.TryGetValue(cacheKey, out OpCallHandle? cached)) return cached;
        NativeStatus.Check(Native.sn_op_call_create_from_strings(op.Id, text.ToArray(), out OpCallHandle call));
        if (s_prepared.Count >= MaxPrepared) return call;  // not cached: freed by its finalizer
        return s_prepared.GetOrAdd(cacheKey, call);
    }

    private static unsafe NDArray[] InvokePrepared(Operator op, OpCallHandle call, IReadOnlyList<NDArray> inputs)
    {
        // Through the typed path's handle pinning, with the prepared call's parameters.
        int capacity = op.NumVisibleOutputs >= 0 ? op.NumVisibleOutputs : 64;
        var results = new nint[capacity];
        int count;
        NDArray[] ins = inputs as NDArray[] ?? inputs.ToArray();
        var handles = new NDArrayHandle[ins.Length];
        for (int i = 0; i < ins.Length; i++) handles[i] = (ins[i] ?? throw new ArgumentNullException($"inputs[{i}]")).Handle;
        var raw = new nint[ins.Length];
        int added = 0;
        bool callAdded = false;
        try
        {
            call.DangerousAddRef(ref callAdded);
            for (; added < handles.Length; added++)
            {
                bool ok = false;
                handles[added].DangerousAddRef(ref ok);
                raw[added] = handles[added].DangerousGetHandle();
            }
            Context ctx = Context.Default;
            fixed (nint* r = results)
            fixed (nint* p = raw)
            {
                NativeStatus.Check(Native.sn_op_call_invoke(call, p, raw.Length, null, 0, Autograd.CurrentFlags, ctx.DeviceType,
                                                            ctx.DeviceId, r, capacity, out count));
            }
        }
        finally
        {
            for (int i = 0; i < added; i++) handles[i].DangerousRelease();
            if (callAdded) call.DangerousRelease();
        }
        var arrays = new NDArray[count];
        for (int i = 0; i < count; i++) arrays[i] = NDArray.FromNewHandle(results[i]);
        return arrays;
    }
}
