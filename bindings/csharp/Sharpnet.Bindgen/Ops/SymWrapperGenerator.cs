using Sharpnet.Bindgen.Emit;
using static Sharpnet.Bindgen.Ops.OpWrapperGenerator;

namespace Sharpnet.Bindgen.Ops;

/// <summary>
/// Writes <c>Sym.g.cs</c>: the methods <see cref="OpWrapperGenerator"/> plans for <c>ND</c>, composing Symbols
/// (MXNet's <c>mx.sym</c>) instead of invoking on NDArrays (Note [Symbol wrapper rules]).
/// </summary>
/// <remarks>
/// Note [Symbol wrapper rules]
/// - Same methods, names, nested classes, aliases and parameters (types, docs, omitted when null) as ND.g.cs; the
///   parameter positions come from ND.g.cs's <c>OpTable</c>.
/// - Every named input is <c>Symbol? x = null</c>: null leaves it to the native side, which creates the variable
///   <c>&lt;node&gt;_&lt;input&gt;</c> (<c>conv1_weight</c>). A missing conditional input does not set its parameter:
///   MXNet's <c>Convolution</c> without bias creates <c>conv1_bias</c> unless <c>no_bias=True</c>. A given one sets
///   the parameter only where the default would leave it out (softmax's <c>length</c> sets <c>use_length</c>), so
///   the graph records no parameter the default already implies.
/// - A variadic input is <c>IReadOnlyList&lt;Symbol&gt; data</c> (its count parameter is filled in).
/// - Last comes <c>string? name = null</c>; the node is named <c>NameManager.Current.Get(name, hint)</c>, where the
///   hint is <see cref="OpWrapperGenerator.Method.NameHint"/> (<c>convolution</c>), so an unnamed node is
///   <c>convolution0</c> and a prefix scope prefixes explicit names too (MXNet's Prefix).
/// - Every method returns one Symbol, with several outputs for a multi-output operator (as MXNet).
/// </remarks>
internal static class SymWrapperGenerator
{
    internal static string Generate(IReadOnlyList<OpSpec> ops)
    {
        List<Method> methods = Plan(ops);
        var w = new CodeWriter();
        WriteBanner(w);
        WriteClass(w, methods, "Sym",
            "Every registered operator as a static method composing Symbols (MXNet's <c>mx.sym</c>).", EmitMethod);
        return w.ToString();
    }

    private static void EmitMethod(CodeWriter w, Method m)
    {
        OpSpec op = m.Op;
        bool variadic = op.VariadicKey.Length > 0;
        string table = Table(op);
        var sig = new Signature(op, m.Name);
        int firstConditional = FirstConditional(op);
        var enabling = new List<(string Input, CsParam Param, string Value)>();
        List<CsParam> parameters = Parameters(op);
        if (variadic) sig.Add("data", "IReadOnlyList<Symbol>", "The inputs.");
        else
        {
            for (int i = 0; i < op.Inputs.Count; i++)
            {
                string input = op.Inputs[i];
                string created = $"null: a new variable \"<node>_{input}\"";
                if (firstConditional < 0 || i < firstConditional)
                {
                    sig.Add(Camel(input), "Symbol?", $"Input {input}; {created}.", "null");
                    continue;
                }
                (InputCondition c, ParamSpec p) = ConditionParam(op, i);
                bool defaultEnables = !p.IsRequired && SameValue(p, p.DefaultLiteral, c.Value);
                if (defaultEnables)
                    sig.Add(Camel(input), "Symbol?", $"Input {input}, used when {c.Param} is {c.Value} (the default); {created} when it is used.", "null");
                else
                {
                    sig.Add(Camel(input), "Symbol?", $"Input {input}, used when {c.Param} is {c.Value}; giving it sets {c.Param} unless that is given.", "null");
                    enabling.Add((input, parameters.Single(q => q.Spec.Name == p.Name), Literal(p, c.Value)));
                }
            }
        }
        foreach (CsParam p in parameters) sig.Add(p.Name, p.Type, p.Doc, "null");
        sig.Add("name", "string?",
                $"The node's name; null: \"{m.NameHint}\" and a counter (MXNet's auto-naming). The current NameManager's prefix applies either way.",
                "null");

        sig.WriteDocs(w, Summary(m) + (op.NumVisibleOutputs != 1 ? " Returns one Symbol with all the outputs." : ""));
        w.Line($"public static Symbol {m.Name}({sig})");
        w.OpenBrace();
        EmitArgs(w, op, table, parameters);
        foreach ((string input, CsParam p, string value) in enabling)
            w.Line($"if ({Camel(input)} is not null && {p.Name} is null) args.Add({table}.P{Pascal(p.Spec.Name)}, {value});");
        string inputs = variadic ? "Symbol.AsSpan(data)" : $"[{string.Join(", ", op.Inputs.Select(Camel))}]";
        w.Line($"return Symbol.Compose(args, {inputs}, name, \"{m.NameHint}\");");
        w.Close();
    }

    // Two values of a parameter in MXNet's spelling: booleans in any of their spellings, others as written.
    private static bool SameValue(ParamSpec p, string a, string b) =>
        p.Kind == ParamKind.Bool ? Literal(p, a) == Literal(p, b) : a == b;
}
