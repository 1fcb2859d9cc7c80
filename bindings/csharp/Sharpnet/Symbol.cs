using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// The outputs of a symbolic graph of operator applications and variables (MXNet's Symbol). Compose with
/// <see cref="Variable"/>, the generated <see cref="Sym"/> methods and arithmetic; nodes are shared between the
/// symbols composed from them, and each Symbol owns one native handle: <see cref="Dispose"/> frees it now, the
/// handle's finalizer otherwise. One symbol is used by one thread at a time (attributes are mutable, as in MXNet).
/// Naming follows MXNet (FORMATS.md "Naming rules"): unnamed nodes are named by <see cref="NameManager.Current"/>.
/// </summary>
public sealed partial class Symbol : IDisposable, INativeObject
{
    private readonly SymbolHandle _handle;

    private Symbol(SymbolHandle handle) => _handle = handle;

    /// <summary>Symbol handles alive in this process (native count, for leak tests).</summary>
    public static long LiveCount
    {
        get
        {
            SharpnetLibrary.EnsureLoaded();
            NativeStatus.Check(Native.sn_symbol_live_count(out long count));
            return count;
        }
    }

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => _handle.IsClosed;

    SafeHandle INativeObject.NativeHandle => Handle;

    internal SymbolHandle Handle => _handle.IsClosed
        ? throw new ObjectDisposedException(nameof(Symbol), "this Symbol has been disposed")
        : _handle;

    /// <summary>Frees this symbol's handle now (the nodes live while another symbol uses them).</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// A variable (a graph input) named <paramref name="name"/>, with MXNet's hidden attributes for what is given
    /// (as <c>mx.sym.var</c>): <c>__shape__</c> "(2, 3)", <c>__dtype__</c> the dtype flag ("0" for float32),
    /// <c>__init__</c> an initializer in MXNet's JSON (<c>["zero", {}]</c>), <c>__lr_mult__</c>/<c>__wd_mult__</c>
    /// as Python floats ("2.0"). <paramref name="attr"/> is set first, so the named arguments win over it.
    /// </summary>
    public static Symbol Variable(string name, Shape? shape = null, DType? dtype = null, string? init = null,
                                  double? lrMult = null, double? wdMult = null,
                                  IReadOnlyDictionary<string, string>? attr = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (shape is Shape s && s.Dims.ToArray().Any(d => d < 0))
            throw new ArgumentException($"Variable '{name}': a shape has dims >= 0 (0: unknown), got {s}", nameof(shape));
        if (dtype is DType t && !Enum.IsDefined(t))
            throw new ArgumentOutOfRangeException(nameof(dtype), $"Variable '{name}': unknown dtype flag {(int)t}");
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_symbol_create_variable(name, out SymbolHandle handle));
        var v = new Symbol(handle);
        try
        {
            if (attr is not null)
                foreach (var (key, value) in attr) v.SetAttr(key, value);
            if (shape is Shape sh) v.SetAttr("__shape__", sh.ToString());
            if (dtype is DType d) v.SetAttr("__dtype__", ((int)d).ToString(CultureInfo.InvariantCulture));
            if (init is not null) v.SetAttr("__init__", init);
            if (lrMult is double lr) v.SetAttr("__lr_mult__", PythonSpelling.Float(lr));
            if (wdMult is double wd) v.SetAttr("__wd_mult__", PythonSpelling.Float(wd));
        }
        catch
        {
            v.Dispose();
            throw;
        }
        return v;
    }

    /// <summary>
    /// Names nodes under <paramref name="prefix"/> with fresh auto-name counters until disposed (MXNet's
    /// <c>mx.name.Prefix</c>): inside <c>using (Symbol.NameScope("stage1_"))</c> an unnamed convolution is
    /// <c>stage1_convolution0</c> and one named "conv1" is <c>stage1_conv1</c>. See <see cref="NameManager"/>.
    /// </summary>
    public static IDisposable NameScope(string prefix) => NameManager.Scope(prefix);

    /// <summary>The outputs of several symbols, in order (MXNet's Group).</summary>
    public static Symbol Group(params Symbol[] symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        if (symbols.Length == 0) throw new ArgumentException("Group: expected at least one symbol, got none", nameof(symbols));
        using var pins = new HandlePins<Symbol>(symbols, firstAllowsNull: false, firstName: "symbols");
        unsafe
        {
            NativeStatus.Check(Native.sn_symbol_group(pins.First, symbols.Length, out SymbolHandle h));
            return new Symbol(h);
        }
    }

    /// <summary>The name of the output node, or null for a group of several nodes.</summary>
    public unsafe string? Name
    {
        get
        {
            NativeStatus.Check(Native.sn_symbol_get_name(Handle, out byte* name));
            string text = NativeStatus.ReadUtf8(name);
            return text.Length == 0 ? null : text;
        }
    }

    /// <summary>The number of outputs.</summary>
    public int NumOutputs
    {
        get
        {
            NativeStatus.Check(Native.sn_symbol_num_outputs(Handle, out int count));
            return count;
        }
    }

    /// <summary>Output <paramref name="index"/> alone (a new symbol).</summary>
    public Symbol this[int index]
    {
        get
        {
            NativeStatus.Check(Native.sn_symbol_get_output(Handle, index, out SymbolHandle h));
            return new Symbol(h);
        }
    }

    /// <summary>
    /// The output named <paramref name="outputName"/> as <see cref="ListOutputs"/> spells it
    /// (<c>GetInternals()["pool1_output"]</c>); an unknown name throws listing the outputs and the closest one.
    /// </summary>
    public Symbol this[string outputName]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(outputName);
            NativeStatus.Check(Native.sn_symbol_get_output_by_name(Handle, outputName, out SymbolHandle h));
            return new Symbol(h);
        }
    }

    /// <summary>Every node's visible outputs, variables included, inputs before their users (MXNet's get_internals).</summary>
    public Symbol GetInternals()
    {
        NativeStatus.Check(Native.sn_symbol_get_internals(Handle, out SymbolHandle h));
        return new Symbol(h);
    }

    /// <summary>The inputs of the output nodes, grouped; null when the outputs are variables.</summary>
    public Symbol? GetChildren()
    {
        NativeStatus.Check(Native.sn_symbol_get_children(Handle, out byte hasChildren, out SymbolHandle h));
        if (hasChildren != 0) return new Symbol(h);
        h.Dispose();
        return null;
    }

    /// <summary>Inputs that are not auxiliary states, in graph order (MXNet's list_arguments).</summary>
    public IReadOnlyList<string> ListArguments() => List(NativeSymbolListKind.Arguments);

    /// <summary>Output names: a variable's name, else <c>&lt;node&gt;_output</c> (<c>_output&lt;i&gt;</c> for several).</summary>
    public IReadOnlyList<string> ListOutputs() => List(NativeSymbolListKind.Outputs);

    /// <summary>Inputs an operator mutates (BatchNorm's moving statistics), in graph order.</summary>
    public IReadOnlyList<string> ListAuxiliaryStates() => List(NativeSymbolListKind.AuxiliaryStates);

    /// <summary>Every input, arguments and auxiliary states, in graph order.</summary>
    public IReadOnlyList<string> ListInputs() => List(NativeSymbolListKind.Inputs);

    private unsafe string[] List(NativeSymbolListKind kind)
    {
        NativeStatus.Check(Native.sn_symbol_list(Handle, kind, out byte* text, out long length, out int count));
        return NulText.Split(text, length, count);
    }

    /// <summary>Attribute <paramref name="key"/> of the output node (<c>__shape__</c>, an op parameter), or null if unset.</summary>
    public unsafe string? Attr(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        NativeStatus.Check(Native.sn_symbol_get_attr(Handle, key, out byte found, out byte* value));
        return found != 0 ? NativeStatus.ReadUtf8(value) : null;
    }

    /// <summary>
    /// The output node's attributes, sorted by key; with <paramref name="recursive"/>, every node's as
    /// <c>&lt;node&gt;$&lt;key&gt;</c> (MXNet's list_attr).
    /// </summary>
    public unsafe IReadOnlyDictionary<string, string> ListAttr(bool recursive = false)
    {
        NativeStatus.Check(Native.sn_symbol_list_attr(Handle, recursive ? (byte)1 : (byte)0, out byte* text, out long length,
                                                      out int count));
        string[] items = NulText.Split(text, length, 2 * count);
        var dict = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++) dict[items[2 * i]] = items[2 * i + 1];
        return dict;
    }

    /// <summary>
    /// Sets attribute <paramref name="key"/> on the output node: a hidden attribute (<c>__lr_mult__</c>), any string
    /// attribute, or an op parameter (parsed; a bad value throws naming it). <c>name</c> renames the node, as in MXNet.
    /// </summary>
    public void SetAttr(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        NativeStatus.Check(Native.sn_symbol_set_attr(Handle, key, value));
    }

    /// <summary>A deep copy: new nodes with the same names, operators and attributes.</summary>
    public Symbol Copy()
    {
        NativeStatus.Check(Native.sn_symbol_copy(Handle, out SymbolHandle h));
        return new Symbol(h);
    }

    /// <summary>MXNet's spelling: <c>&lt;Symbol fc1&gt;</c>, or <c>&lt;Symbol group [fc1, fc2]&gt;</c> for several nodes.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "<Symbol (disposed)>";
        if (Name is { } name) return $"<Symbol {name}>";
        var names = new List<string>();
        for (int i = 0; i < NumOutputs; i++)
        {
            using Symbol output = this[i];
            names.Add(output.Name ?? "");
        }
        return $"<Symbol group [{string.Join(", ", names)}]>";
    }

    // --- composition (the generated Sym methods, Sym.Invoke, arithmetic) --------------------------------------------

    /// <summary>
    /// Applies <paramref name="args"/>' operator to <paramref name="inputs"/> (null entries: variables the native side
    /// creates), naming the node <c>NameManager.Current.Get(name, hint)</c>.
    /// </summary>
    internal static unsafe Symbol Compose(OpArgs args, ReadOnlySpan<Symbol?> inputs, string? name, string hint)
    {
        string node = NameManager.Current.Get(name, hint);
        using var pins = new HandlePins<Symbol>(inputs, firstAllowsNull: true);
        NativeStatus.Check(Native.sn_symbol_create_op(args.Op.Id, args.Params, args.Ints, args.Floats, args.Text, pins.First,
                                                      inputs.Length, node, out SymbolHandle h));
        return new Symbol(h);
    }

    /// <summary>As <see cref="Compose"/>, with MXNet's string parameters (<c>text</c>: key, NUL, value, NUL, ...).</summary>
    internal static unsafe Symbol ComposeFromStrings(Operator op, ReadOnlySpan<byte> text, ReadOnlySpan<Symbol?> inputs,
                                                     string? name, string hint)
    {
        string node = NameManager.Current.Get(name, hint);
        using var pins = new HandlePins<Symbol>(inputs, firstAllowsNull: true);
        NativeStatus.Check(Native.sn_symbol_create_op_from_strings(op.Id, text, pins.First, inputs.Length, node,
                                                                   out SymbolHandle h));
        return new Symbol(h);
    }

    /// <summary>A list of symbols as a span (no copy for arrays).</summary>
    internal static ReadOnlySpan<Symbol?> AsSpan(IReadOnlyList<Symbol> list) => list is Symbol[] a ? a : list.ToArray();
}
