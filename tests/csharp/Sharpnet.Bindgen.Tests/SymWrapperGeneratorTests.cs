using System.Text.RegularExpressions;
using Sharpnet.Bindgen.Ops;

namespace Sharpnet.Bindgen.Tests;

// The ops command's Symbol half (Note [Symbol wrapper rules]): the same methods as ND.g.cs, composing Symbols.
public class SymWrapperGeneratorTests
{
    private static ParamSpec P(string name, ParamKind kind, ParamKind? element = null, bool required = false,
                               string dflt = "None", params string[] enums) =>
        new(name, kind, element ?? kind, required, required ? "" : dflt, $"The {name}.", enums);

    private static OpSpec Op(string name, string[]? inputs = null, ParamSpec[]? ps = null, string[]? aliases = null,
                             string variadic = "", int outputs = 1) =>
        new(name, $"Does {name}.", aliases ?? [], inputs ?? ["data"], variadic, outputs, ps ?? []);

    // "Class.Method" for every generated method, nested classes included.
    private static string[] Methods(string code, string type)
    {
        var names = new List<string>();
        string cls = "";
        foreach (string line in code.Split('\n'))
        {
            if (Regex.Match(line, @"^    public static partial class (\w+)") is { Success: true } c) cls = c.Groups[1].Value + ".";
            if (Regex.Match(line, $@"public static {Regex.Escape(type)}(\[\])? (\w+)\(") is { Success: true } m)
                names.Add((line.StartsWith("        ", StringComparison.Ordinal) ? cls : "") + m.Groups[2].Value);
        }
        return names.ToArray();
    }

    [Test]
    public void SameMethodsAsND()
    {
        OpSpec[] ops =
        [
            Op("Convolution", inputs: ["data", "weight", "bias"]), Op("broadcast_add", inputs: ["lhs", "rhs"], aliases: ["broadcast_plus", "_plus"]),
            Op("_random_uniform", inputs: []), Op("_linalg_gemm2", inputs: ["A", "B"]), Op("_plus_scalar", aliases: ["_PlusScalar"]),
            Op("SoftmaxOutput", aliases: ["Softmax"]), Op("softmax"), Op("split", outputs: -1),
        ];
        string nd = OpWrapperGenerator.Generate(ops), sym = SymWrapperGenerator.Generate(ops);
        Assert.That(Methods(sym, "Symbol"), Is.EqualTo(Methods(nd, "NDArray")));
        Assert.That(Methods(sym, "Symbol"), Does.Contain("Random.Uniform").And.Contain("BroadcastPlus").And.Not.Contain("PlusScalar"));
        Assert.That(sym, Does.Contain("public static partial class Sym"));
        Assert.That(sym, Does.Not.Contain("internal static class OpTable"), "Sym.g.cs uses ND.g.cs's table");
    }

    [Test]
    public void InputsAreOptionalSymbolsAndNameComesLast()
    {
        string code = SymWrapperGenerator.Generate([Op("mixed", inputs: ["data", "weight"], ps:
            [P("num_filter", ParamKind.Int, required: true), P("kernel", ParamKind.Tuple, ParamKind.Int, dflt: "()"),
             P("dtype", ParamKind.DType, dflt: "float32")])]);
        Assert.That(code, Does.Contain("public static Symbol Mixed(Symbol? data = null, Symbol? weight = null, long? numFilter = null, "
            + "Shape? kernel = null, DType? dtype = null, string? name = null)"));
        Assert.That(code, Does.Contain("/// <param name=\"weight\">Input weight; null: a new variable \"&lt;node&gt;_weight\".</param>"));
        Assert.That(code, Does.Contain("/// <param name=\"numFilter\">The num_filter. Required.</param>"));
        Assert.That(code, Does.Contain("args.Add(OpTable.Op_mixed.PNumFilter, numFilter);"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [data, weight], name, \"mixed\");"));
    }

    [Test]
    public void AMissingConditionalInputLeavesItsParameterAlone()
    {
        // MXNet: FullyConnected without a bias creates fc1_bias unless no_bias=True; the graph records no no_bias.
        var fc = new OpSpec("FullyConnected", "Does it.", [], ["data", "weight", "bias"], "", 1,
            [P("num_hidden", ParamKind.Int, required: true), P("no_bias", ParamKind.Bool, dflt: "False")],
            [null, null, new InputCondition("no_bias", "False")]);
        // softmax's length exists only with use_length=True (not the default): giving it sets use_length.
        var softmax = new OpSpec("softmax", "Does it.", [], ["data", "length"], "", 1,
            [P("use_length", ParamKind.Bool, dflt: "False")], [null, new InputCondition("use_length", "True")]);
        string code = SymWrapperGenerator.Generate([fc, softmax]);
        Assert.That(code, Does.Contain("public static Symbol FullyConnected(Symbol? data = null, Symbol? weight = null, Symbol? bias = null, "
            + "long? numHidden = null, bool? noBias = null, string? name = null)"));
        Assert.That(code, Does.Not.Contain("PNoBias, bias"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [data, weight, bias], name, \"fullyconnected\");"));
        Assert.That(code, Does.Contain("Input bias, used when no_bias is False (the default); null: a new variable \"&lt;node&gt;_bias\" when it is used."));
        Assert.That(code, Does.Contain("if (length is not null && useLength is null) args.Add(OpTable.Op_softmax.PUseLength, true);"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [data, length], name, \"softmax\");"));
    }

    [Test]
    public void VariadicInputsAndSeveralOutputs()
    {
        string code = SymWrapperGenerator.Generate(
        [
            Op("Concat", inputs: [], ps: [P("num_args", ParamKind.Int, required: true), P("dim", ParamKind.Int, dflt: "1")],
               variadic: "num_args"),
            Op("split", ps: [P("num_outputs", ParamKind.Int, required: true)], outputs: -1),
        ]);
        Assert.That(code, Does.Contain("public static Symbol Concat(IReadOnlyList<Symbol> data, long? dim = null, string? name = null)"));
        Assert.That(code, Does.Contain("args.Add(OpTable.Op_Concat.PNumArgs, (long)data.Count);"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, Symbol.AsSpan(data), name, \"concat\");"));
        // One Symbol with several outputs, as MXNet.
        Assert.That(code, Does.Contain("public static Symbol Split(Symbol? data = null, long? numOutputs = null, string? name = null)"));
        Assert.That(code, Does.Contain("Returns one Symbol with all the outputs."));
    }

    [Test]
    public void NameHintsAreTheLowercasedNameTheMethodWasGeneratedFrom()
    {
        string code = SymWrapperGenerator.Generate(
        [
            Op("broadcast_add", inputs: ["lhs", "rhs"], aliases: ["broadcast_plus"]),
            Op("_random_uniform", inputs: []), Op("_linalg_gemm2", inputs: ["A", "B"]), Op("LeakyReLU"),
        ]);
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [lhs, rhs], name, \"broadcast_add\");"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [lhs, rhs], name, \"broadcast_plus\");"));
        // Nested-class methods drop the prefix, as mx.sym.random.uniform and mx.sym.linalg.gemm2 name nodes.
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [], name, \"uniform\");"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [a, b], name, \"gemm2\");"));
        Assert.That(code, Does.Contain("return Symbol.Compose(args, [data], name, \"leakyrelu\");"));
        Assert.That(code, Does.Contain("null: \"leakyrelu\" and a counter"));
    }

    [Test]
    public void AParameterCalledNameFailsTheGenerator()
    {
        var e = Assert.Throws<BindgenException>(() => SymWrapperGenerator.Generate([Op("named", ps: [P("name", ParamKind.String)])]))!;
        Assert.That(e.Message, Is.EqualTo("operator 'named': two parameters of Named would be named 'name'"));
    }

    [Test]
    public void OutputIsDeterministicAndOrderIndependent()
    {
        OpSpec[] ops = [Op("b_op"), Op("a_op", aliases: ["a_alias"]), Op("_random_x", inputs: [])];
        string first = SymWrapperGenerator.Generate(ops);
        Assert.That(SymWrapperGenerator.Generate(ops.Reverse().ToArray()), Is.EqualTo(first));
        Assert.That(first, Does.Not.Contain("\r"));
    }
}
