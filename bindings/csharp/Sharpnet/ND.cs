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
        byte[] text = parameters is null ? []
            : NulText.Pairs(parameters.OrderBy(p => p.Key, StringComparer.Ordinal), $"{op.Name} parameters");
        string cacheKey = op.Name + "\0" + Encoding.UTF8.GetString(text);  // the pairs are NUL-separated: unambiguous
        if (s_prepared.TryGetValue(cacheKey, out OpCallHandle? cached)) return cached;
        NativeStatus.Check(Native.sn_op_call_create_from_strings(op.Id, text, out OpCallHandle call));
        if (s_prepared.Count >= MaxPrepared) return call;  // not cached: freed by its finalizer
        return s_prepared.GetOrAdd(cacheKey, call);
    }

    private static unsafe NDArray[] InvokePrepared(Operator op, OpCallHandle call, IReadOnlyList<NDArray> inputs)
    {
        int capacity = op.NumVisibleOutputs >= 0 ? op.NumVisibleOutputs : 64;
        var results = new nint[capacity];
        int count;
        NDArray[] ins = inputs as NDArray[] ?? inputs.ToArray();
        using (var pins = new HandlePins<NDArray>(ins, firstAllowsNull: false))
        {
            // The inputs decide the device; the marshaller keeps the call handle alive for the call.
            Context ctx = Context.Default;
            fixed (nint* r = results)
                NativeStatus.Check(Native.sn_op_call_invoke(call, pins.First, ins.Length, null, 0, Autograd.CurrentFlags,
                                                            ctx.DeviceType, ctx.DeviceId, r, capacity, out count));
        }
        var arrays = new NDArray[count];
        for (int i = 0; i < count; i++) arrays[i] = NDArray.FromNewHandle(results[i]);
        return arrays;
    }
}
