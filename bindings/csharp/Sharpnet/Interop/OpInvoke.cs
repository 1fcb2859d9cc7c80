using System.Runtime.InteropServices;
using System.Text;

namespace Sharpnet.Interop;

/// <summary>
/// Typed parameters of one operator call, in reusable per-thread buffers (no allocation per call). Rent,
/// add the non-null parameters, pass to <see cref="OpInvoke"/>, dispose.
/// </summary>
internal sealed class OpArgs : IDisposable
{
    [ThreadStatic] private static OpArgs? t_cached;

    private Param[] _params = new Param[16];
    private long[] _ints = new long[64];
    private double[] _floats = new double[16];
    private byte[] _text = new byte[256];
    private int _numParams, _numInts, _numFloats, _textLength;

    internal Operator Op { get; private set; } = null!;

    /// <summary>Buffers for a call of <paramref name="op"/> (this thread's cached ones when free).</summary>
    internal static OpArgs Rent(Operator op)
    {
        OpArgs args = t_cached ?? new OpArgs();
        t_cached = null;
        args.Op = op;
        args._numParams = args._numInts = args._numFloats = args._textLength = 0;
        return args;
    }

    /// <summary>Returns the buffers to this thread.</summary>
    public void Dispose() => t_cached = this;

    internal ReadOnlySpan<Param> Params => _params.AsSpan(0, _numParams);
    internal ReadOnlySpan<long> Ints => _ints.AsSpan(0, _numInts);
    internal ReadOnlySpan<double> Floats => _floats.AsSpan(0, _numFloats);
    internal ReadOnlySpan<byte> Text => _text.AsSpan(0, _textLength);

    private ref Param Next(int field, NativeValueKind kind)
    {
        if (_numParams == _params.Length) Array.Resize(ref _params, _params.Length * 2);
        ref Param p = ref _params[_numParams++];
        p = default;
        p.Field = field;
        p.Kind = kind;
        return ref p;
    }

    internal void Add(int field, bool? value)
    {
        if (value is bool v) Next(field, NativeValueKind.Bool).I = v ? 1 : 0;
    }

    internal void Add(int field, long? value)
    {
        if (value is long v) Next(field, NativeValueKind.Int).I = v;
    }

    internal void Add(int field, double? value)
    {
        if (value is double v) Next(field, NativeValueKind.Float).F = v;
    }

    internal void Add(int field, DType? value)
    {
        if (value is DType v) Next(field, NativeValueKind.DType).I = (long)v;
    }

    internal void Add(int field, Context? value)
    {
        if (value is Context c) Add(field, c.ToString());
    }

    internal void Add(int field, Shape? value)
    {
        if (value is not Shape s) return;
        ReadOnlySpan<long> dims = s.Dims;
        while (_numInts + dims.Length > _ints.Length) Array.Resize(ref _ints, _ints.Length * 2);
        ref Param p = ref Next(field, NativeValueKind.IntTuple);
        p.Offset = _numInts;
        p.Length = dims.Length;
        dims.CopyTo(_ints.AsSpan(_numInts));
        _numInts += dims.Length;
    }

    internal void Add(int field, IReadOnlyList<double>? value)
    {
        if (value is null) return;
        while (_numFloats + value.Count > _floats.Length) Array.Resize(ref _floats, _floats.Length * 2);
        ref Param p = ref Next(field, NativeValueKind.FloatTuple);
        p.Offset = _numFloats;
        p.Length = value.Count;
        for (int i = 0; i < value.Count; i++) _floats[_numFloats + i] = value[i];
        _numFloats += value.Count;
    }

    /// <summary>Text, parsed natively in MXNet's spelling (strings, enum names, or any value as MXNet writes it).</summary>
    internal void Add(int field, string? value)
    {
        if (value is null) return;
        int bytes = Encoding.UTF8.GetByteCount(value);
        while (_textLength + bytes > _text.Length) Array.Resize(ref _text, _text.Length * 2);
        ref Param p = ref Next(field, NativeValueKind.Text);
        p.Offset = _textLength;
        p.Length = Encoding.UTF8.GetBytes(value, _text.AsSpan(_textLength));
        _textLength += bytes;
    }

    /// <summary>An explicit None for an optional parameter.</summary>
    internal void AddNone(int field) => Next(field, NativeValueKind.None);
}

/// <summary>Invokes registered operators on NDArrays with the ambient autograd flags.</summary>
internal static unsafe class OpInvoke
{
    // Passed where the inputs decide the device (the native side ignores it then).
    private static readonly Context Cpu0 = Context.Cpu(0);

    /// <summary>Invokes <paramref name="args"/>' operator; returns its visible outputs (the out arrays where given).</summary>
    internal static NDArray[] Invoke(OpArgs args, ReadOnlySpan<NDArray> inputs, ReadOnlySpan<NDArray?> outs,
                                     Context? context = null)
    {
        Operator op = args.Op;
        int capacity = op.NumVisibleOutputs >= 0 ? op.NumVisibleOutputs : 64;
        Span<nint> results = capacity <= 16 ? stackalloc nint[capacity] : new nint[capacity];
        int count;
        using (var pins = new HandlePins<NDArray>(inputs, firstAllowsNull: false, outs))
        {
            Context ctx = context ?? (inputs.Length > 0 ? Cpu0 : Context.Default);  // inputs decide the device
            fixed (nint* resultsPtr = results)
            {
                NativeStatus.Check(Native.sn_op_invoke(op.Id, args.Params, args.Ints, args.Floats, args.Text,
                    pins.First, inputs.Length, pins.Second, outs.Length, Autograd.CurrentFlags, ctx.DeviceType, ctx.DeviceId,
                    resultsPtr, capacity, out count));
            }
        }
        var arrays = new NDArray[count];
        for (int i = 0; i < count; i++)
            arrays[i] = results[i] != 0 ? NDArray.FromNewHandle(results[i]) : outs[i]!;
        return arrays;
    }

    /// <summary>A list of arrays as a span (no copy for arrays).</summary>
    internal static ReadOnlySpan<NDArray> AsSpan(IReadOnlyList<NDArray> list) => list is NDArray[] a ? a : list.ToArray();

    /// <summary>Optional out arrays as a span (empty for null).</summary>
    internal static ReadOnlySpan<NDArray?> OutsSpan(IReadOnlyList<NDArray?>? list) =>
        list is null ? default : list is NDArray?[] a ? a : list.ToArray();

    /// <summary>As <see cref="Invoke"/> for an operator with one visible output.</summary>
    internal static NDArray One(OpArgs args, ReadOnlySpan<NDArray> inputs, NDArray? @out)
    {
        ReadOnlySpan<NDArray?> outs = @out is null ? default : new ReadOnlySpan<NDArray?>(ref @out);
        return Invoke(args, inputs, outs)[0];
    }

    /// <summary>A prepared call (parameters parsed once) on <paramref name="inputs"/>, writing into <paramref name="out"/> if given.</summary>
    internal static NDArray? Call(OpCallHandle call, ReadOnlySpan<NDArray> inputs, NDArray? @out)
    {
        ReadOnlySpan<NDArray?> outs = @out is null ? default : new ReadOnlySpan<NDArray?>(ref @out);
        nint result;
        using (var pins = new HandlePins<NDArray>(inputs, firstAllowsNull: false, outs))
        {
            // The inputs decide the device; the marshaller keeps the call handle alive for the call.
            Context ctx = inputs.Length > 0 ? Cpu0 : Context.Default;
            NativeStatus.Check(Native.sn_op_call_invoke(call, pins.First, inputs.Length, pins.Second, outs.Length,
                Autograd.CurrentFlags, ctx.DeviceType, ctx.DeviceId, &result, 1, out _));
        }
        return result != 0 ? NDArray.FromNewHandle(result) : @out;
    }
}
