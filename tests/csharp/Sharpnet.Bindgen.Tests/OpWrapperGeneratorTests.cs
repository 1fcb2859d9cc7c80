using Sharpnet.Bindgen.Ops;

namespace Sharpnet.Bindgen.Tests;

// The ops command: API.md's op-to-C# mapping rules, on synthetic operators and on the real registry.
public class OpWrapperGeneratorTests
{
    private static ParamSpec P(string name, ParamKind kind, ParamKind? element = null, bool required = false,
                               string dflt = "None", params string[] enums) =>
        new(name, kind, element ?? kind, required, required ? "" : dflt, $"The {name}.", enums);

    private static OpSpec Op(string name, string[]? inputs = null, ParamSpec[]? ps = null, string[]? aliases = null,
                             string variadic = "", int outputs = 1) =>
        new(name, $"Does {name}.", aliases ?? [], inputs ?? ["data"], variadic, outputs, ps ?? []);

    [TestCase("broadcast_add", "", "BroadcastAdd")]
    [TestCase("Convolution", "", "Convolution")]
    [TestCase("softmax", "", "Softmax")]
    [TestCase("_random_uniform", "Random", "Uniform")]
    [TestCase("_linalg_gemm2", "Linalg", "Gemm2")]
    [TestCase("_contrib_box_nms", "Contrib", "BoxNms")]
    [TestCase("_image_resize", "Image", "Resize")]
    [TestCase("_sparse_retain", "Sparse", "Retain")]
    public void MethodNames(string op, string cls, string method) =>
        Assert.That(OpWrapperGenerator.MethodName(op), Is.EqualTo((cls, method)));

    [TestCase("_plus_scalar")]
    [TestCase("_backward_relu")]
    [TestCase("_backward_CustomFunction")]
    [TestCase("_copy")]
    public void HiddenOperatorsGetNoMethod(string op) => Assert.That(OpWrapperGenerator.MethodName(op), Is.Null);

    [Test]
    public void ParameterTypesFollowTheRules()
    {
        string code = OpWrapperGenerator.Generate([Op("mixed", ps:
        [
            P("flag", ParamKind.Bool, dflt: "False"), P("num_filter", ParamKind.Int, required: true),
            P("eps", ParamKind.Float, dflt: "0.001"), P("kernel", ParamKind.Tuple, ParamKind.Int, dflt: "()"),
            P("scales", ParamKind.Tuple, ParamKind.Float), P("act_type", ParamKind.Enum, dflt: "relu", enums: ["relu", "tanh"]),
            P("name_hint", ParamKind.String, dflt: ""), P("dtype", ParamKind.DType, dflt: "float32"),
            P("ctx", ParamKind.String, dflt: ""), P("params", ParamKind.Int, dflt: "0"),
        ])]);
        Assert.That(code, Does.Contain("public static NDArray Mixed(NDArray data, bool? flag = null, long? numFilter = null, "
            + "double? eps = null, Shape? kernel = null, double[]? scales = null, string? actType = null, string? nameHint = null, "
            + "DType? dtype = null, Context? ctx = null, long? @params = null, NDArray? @out = null)"));
        Assert.That(code, Does.Contain("/// <param name=\"actType\">The act_type. One of: relu, tanh. Default: relu.</param>"));
        Assert.That(code, Does.Contain("/// <param name=\"numFilter\">The num_filter. Required.</param>"));
        Assert.That(code, Does.Contain("args.Add(OpTable.Op_mixed.PParams, @params);"));
        Assert.That(code, Does.Contain("internal static readonly int PNumFilter = Op.Param(\"num_filter\").Index;"));
        Assert.That(code, Does.Contain("return OpInvoke.One(args, [data], @out);"));
    }

    [Test]
    public void VariadicInputsAndSeveralOutputs()
    {
        string code = OpWrapperGenerator.Generate(
        [
            Op("Concat", inputs: [], ps: [P("num_args", ParamKind.Int, required: true), P("dim", ParamKind.Int, dflt: "1")],
               variadic: "num_args"),
            Op("split", ps: [P("num_outputs", ParamKind.Int, required: true)], outputs: -1),
        ]);
        Assert.That(code, Does.Contain("public static NDArray Concat(IReadOnlyList<NDArray> data, long? dim = null, NDArray? @out = null)"));
        Assert.That(code, Does.Contain("args.Add(OpTable.Op_Concat.PNumArgs, (long)data.Count);"));
        Assert.That(code, Does.Contain("return OpInvoke.One(args, OpInvoke.AsSpan(data), @out);"));
        Assert.That(code, Does.Contain("public static NDArray[] Split(NDArray data, long? numOutputs = null, IReadOnlyList<NDArray?>? @out = null)"));
        Assert.That(code, Does.Contain("return OpInvoke.Invoke(args, [data], OpInvoke.OutsSpan(@out));"));
    }

    [Test]
    public void AliasesGetMethodsOnlyWhenNothingElseClaimsTheName()
    {
        string code = OpWrapperGenerator.Generate(
        [
            Op("SoftmaxOutput", aliases: ["Softmax"]),   // MXNet: collides with softmax, so not generated
            Op("softmax"),
            Op("broadcast_add", inputs: ["lhs", "rhs"], aliases: ["broadcast_plus", "_plus"]),
            Op("one", aliases: ["shared"]), Op("two", aliases: ["shared"]),  // both claim Shared: neither gets it
            Op("Flatten", aliases: ["flatten"]),   // an alias naming its own op's method
        ]);
        Assert.That(code, Does.Contain("public static NDArray Softmax(NDArray data, NDArray? @out = null)"));
        Assert.That(code, Does.Contain("using var args = OpArgs.Rent(OpTable.Op_softmax.Op);"));
        Assert.That(code, Does.Not.Contain("(an alias of SoftmaxOutput)"));
        Assert.That(code, Does.Contain("public static NDArray BroadcastPlus(NDArray lhs, NDArray rhs, NDArray? @out = null)"));
        Assert.That(code, Does.Contain("(an alias of broadcast_add)"));
        Assert.That(code, Does.Not.Contain(" Plus("));
        Assert.That(code, Does.Not.Contain(" Shared("));
        Assert.That(code.Split(" Flatten(").Length - 1, Is.EqualTo(1));
    }

    [Test]
    public void ConditionalInputsAreNullableAndSetTheirParameter()
    {
        var fc = new OpSpec("FullyConnected", "Does it.", [], ["data", "weight", "bias"], "", 1,
            [P("num_hidden", ParamKind.Int, required: true), P("no_bias", ParamKind.Bool, dflt: "False")],
            [null, null, new InputCondition("no_bias", "False")]);
        string code = OpWrapperGenerator.Generate([fc]);
        Assert.That(code, Does.Contain("public static NDArray FullyConnected(NDArray data, NDArray weight, NDArray? bias = null, "
            + "long? numHidden = null, bool? noBias = null, NDArray? @out = null)"));
        Assert.That(code, Does.Contain("if (noBias is null) args.Add(OpTable.Op_FullyConnected.PNoBias, bias is not null ? false : true);"));
        Assert.That(code, Does.Contain("if (bias is null) return OpInvoke.One(args, [data, weight], @out);"));
        Assert.That(code, Does.Contain("return OpInvoke.One(args, [data, weight, bias], @out);"));

        var bad = new OpSpec("odd", "Does it.", [], ["data", "extra"], "", 1, [], [null, new InputCondition("missing", "True")]);
        var e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([bad]))!;
        Assert.That(e.Message, Is.EqualTo("operator 'odd': input 'extra' depends on an unknown parameter 'missing'"));
    }

    [Test]
    public void NestedClassesForPrefixes()
    {
        string code = OpWrapperGenerator.Generate([Op("_random_uniform", inputs: []), Op("_linalg_gemm2", inputs: ["A", "B"])]);
        Assert.That(code, Does.Contain("public static partial class Random"));
        Assert.That(code, Does.Contain("public static partial class Linalg"));
        Assert.That(code, Does.Contain("public static NDArray Gemm2(NDArray a, NDArray b, NDArray? @out = null)"));
    }

    [Test]
    public void CollisionsFailTheGenerator()
    {
        var e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([Op("foo_bar"), Op("FooBar")]))!;
        Assert.That(e.Message, Is.EqualTo("operators 'foo_bar' and 'FooBar' both generate ND.FooBar; rename one of them"));
        e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([Op("invoke")]))!;
        Assert.That(e.Message, Does.Contain("ND.Invoke, which ND already has"));
        e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([Op("random"), Op("_random_normal")]))!;
        Assert.That(e.Message, Does.Contain("the name of a nested class"));
        e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([Op("bad", inputs: ["out"], ps: [])]))!;
        Assert.That(e.Message, Does.Contain("two parameters of Bad would be named 'out'"));
        e = Assert.Throws<BindgenException>(() => OpWrapperGenerator.Generate([Op("dup", inputs: ["axis"], ps: [P("axis", ParamKind.Int)])]))!;
        Assert.That(e.Message, Does.Contain("'axis'"));
    }

    [Test]
    public void OutputIsDeterministicAndOrderIndependent()
    {
        OpSpec[] ops = [Op("b_op"), Op("a_op", aliases: ["a_alias"]), Op("_random_x", inputs: [])];
        string first = OpWrapperGenerator.Generate(ops);
        Assert.That(OpWrapperGenerator.Generate(ops.Reverse().ToArray()), Is.EqualTo(first));
        Assert.That(first, Does.Not.Contain("\r"));
        Assert.That(first.IndexOf(" AAlias(", StringComparison.Ordinal), Is.LessThan(first.IndexOf(" AOp(", StringComparison.Ordinal)));
    }

    [Test]
    public void CheckedInWrappersAreFreshForTheNativeRegistry()
    {
        string path = Path.Combine(TestPaths.RepoRoot, "bindings", "csharp", "Sharpnet", "ND.g.cs");
        Assert.That(File.ReadAllText(path), Is.EqualTo(OpWrapperGenerator.Generate(OpSpec.FromRegistry())),
                    "ND.g.cs is stale: run scripts/regen-interop.sh");
    }
}
