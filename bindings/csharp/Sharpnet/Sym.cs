using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// Registered operators composing Symbols (MXNet's <c>mx.sym</c>): one generated static method per operator
/// (Sym.g.cs, the same methods as <see cref="ND"/>), plus composition by name with MXNet's string parameters.
/// </summary>
public static partial class Sym
{
    private static readonly Dictionary<string, string> EmptyParameters = new();

    /// <summary>
    /// Applies any registered operator by name or alias to <paramref name="inputs"/>, one per input of the operator in
    /// its order (null: a new variable <c>&lt;node&gt;_&lt;input&gt;</c>), with MXNet's string parameters
    /// (<c>["kernel"] = "(3, 3)"</c>; keys spelled <c>__x__</c> become attributes). The node is named
    /// <c>NameManager.Current.Get(name, op lowercased)</c>. A variadic operator's count parameter (<c>num_args</c>)
    /// is the number of inputs unless given.
    /// </summary>
    public static Symbol Invoke(string op, IReadOnlyList<Symbol?> inputs, IReadOnlyDictionary<string, string>? parameters = null,
                                string? name = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        Operator o = Operator.Get(op);
        Symbol?[] list = inputs as Symbol?[] ?? inputs.ToArray();  // a variadic count is filled in natively
        return Symbol.ComposeFromStrings(o, NulText.Pairs(parameters ?? EmptyParameters, $"{o.Name} parameters"), list, name, op.ToLowerInvariant());
    }

    /// <summary>
    /// As <see cref="Invoke(string, IReadOnlyList{Symbol?}, IReadOnlyDictionary{string, string}?, string?)"/> with the
    /// inputs by name (<c>["data"] = x, ["weight"] = w</c>); inputs not given become variables. An unknown input name
    /// throws naming the operator's inputs.
    /// </summary>
    public static Symbol Invoke(string op, IReadOnlyDictionary<string, Symbol> inputs,
                                IReadOnlyDictionary<string, string>? parameters = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        Operator o = Operator.Get(op);
        if (o.HasVariadicInputs && inputs.Count > 0)
            throw new ArgumentException($"{o.Name} takes a list of inputs ({o.VariadicKey} of them), not named ones", nameof(inputs));
        var list = new Symbol?[o.Inputs.Count];
        foreach (var (key, symbol) in inputs)
        {
            int i = o.Inputs.ToList().IndexOf(key);
            if (i < 0)
                throw new ArgumentException(
                    $"{o.Name}: unknown input '{key}'; {o.Name} takes {(o.Inputs.Count == 0 ? "no inputs" : string.Join(", ", o.Inputs))}",
                    nameof(inputs));
            list[i] = symbol ?? throw new ArgumentNullException(nameof(inputs), $"{o.Name}: input '{key}' is null");
        }
        return Symbol.ComposeFromStrings(o, NulText.Pairs(parameters ?? EmptyParameters, $"{o.Name} parameters"), list, name, op.ToLowerInvariant());
    }
}
