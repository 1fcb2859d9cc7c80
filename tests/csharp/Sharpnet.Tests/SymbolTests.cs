using System.Text;
using System.Text.Json;
using NUnit.Framework;

namespace Sharpnet.Tests;

// Symbol composition, naming, listing, attributes, inference, MXNet JSON and pictures. Auto-names depend on the
// name manager's counters, so every test composes inside a fresh NameManager scope.
public class SymbolTests
{
    private IDisposable _names = null!;

    [SetUp]
    public void FreshNames() => _names = NameManager.Scope();

    [TearDown]
    public void RestoreNames() => _names.Dispose();

    private static Dictionary<string, Shape> Data(Shape shape) => new() { ["data"] = shape };

    // API.md's network.
    private static Symbol Network()
    {
        var data = Symbol.Variable("data");
        var conv = Sym.Convolution(data, numFilter: 128, kernel: (3, 3), pad: (1, 1), name: "conv1");
        var bn = Sym.BatchNorm(conv, name: "bn1");
        var relu = Sym.Activation(bn, actType: "relu", name: "relu1");
        var pool = Sym.Pooling(relu, kernel: (2, 2), stride: (2, 2), poolType: "max", name: "pool1");
        var fc = Sym.FullyConnected(pool, numHidden: 2, name: "fc1");
        return Sym.SoftmaxOutput(fc, name: "softmax");
    }

    private static JsonElement Node(string json, string name) =>
        JsonDocument.Parse(json).RootElement.GetProperty("nodes").EnumerateArray()
            .Single(n => n.GetProperty("name").GetString() == name);

    private static Dictionary<string, string> Attrs(JsonElement node) =>
        node.TryGetProperty("attrs", out JsonElement a)
            ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];

    // --- composition and naming ----------------------------------------------------------------------------------

    [Test]
    public void Composition_CreatesMXNetsVariablesAndListsInGraphOrder()
    {
        using var sym = Network();
        Assert.That(sym.ListArguments(), Is.EqualTo(new[]
            { "data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta", "fc1_weight", "fc1_bias", "softmax_label" }));
        Assert.That(sym.ListAuxiliaryStates(), Is.EqualTo(new[] { "bn1_moving_mean", "bn1_moving_var" }));
        Assert.That(sym.ListInputs(), Is.EqualTo(new[] { "data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta",
            "bn1_moving_mean", "bn1_moving_var", "fc1_weight", "fc1_bias", "softmax_label" }));
        Assert.That(sym.ListOutputs(), Is.EqualTo(new[] { "softmax_output" }));
        Assert.That((sym.Name, sym.NumOutputs, sym.ToString()), Is.EqualTo(("softmax", 1, "<Symbol softmax>")));
    }

    [Test]
    public void UnnamedNodesCountPerHint()
    {
        var x = Symbol.Variable("x");
        Assert.That(Sym.Convolution(x, numFilter: 2, kernel: (1, 1)).Name, Is.EqualTo("convolution0"));
        Assert.That(Sym.Convolution(x, numFilter: 2, kernel: (1, 1)).ListArguments(),
                    Is.EqualTo(new[] { "x", "convolution1_weight", "convolution1_bias" }));
        Assert.That(Sym.Relu(x).Name, Is.EqualTo("relu0"));
        Assert.That(Sym.Convolution(x, numFilter: 2, kernel: (1, 1), name: "").Name, Is.EqualTo("convolution2"));  // "" is unnamed, as in MXNet
        Assert.That(Sym.BroadcastPlus(x, x).Name, Is.EqualTo("broadcast_plus0"));   // an alias method: the alias' hint
        Assert.That(Sym.Invoke("_PlusScalar", [x], new Dictionary<string, string> { ["scalar"] = "1" }).Name, Is.EqualTo("_plusscalar0"));
    }

    [Test]
    public void NameManagerScopesAreFreshAndRestoredOnDispose()
    {
        var x = Symbol.Variable("x");
        Assert.That(Sym.Relu(x).Name, Is.EqualTo("relu0"));
        using (NameManager.Scope())
        {
            Assert.That(Sym.Relu(x).Name, Is.EqualTo("relu0"));
            Assert.That(NameManager.Current.Prefix, Is.EqualTo(""));
        }
        Assert.That(Sym.Relu(x).Name, Is.EqualTo("relu1"));
        Assert.That(NameManager.Current.Get("given", "relu"), Is.EqualTo("given"));
        Assert.That(NameManager.Current.Get(null, "relu"), Is.EqualTo("relu2"));

        // Scopes end innermost first: ending an outer one early throws and leaves the inner one current.
        IDisposable outer = NameManager.Scope("outer_");
        IDisposable inner = NameManager.Scope("inner_");
        var e = Assert.Throws<InvalidOperationException>(() => outer.Dispose())!;
        Assert.That(e.Message, Does.Contain("prefix 'outer_'").And.Contain("innermost first"));
        Assert.That(NameManager.Current.Prefix, Is.EqualTo("inner_"));
        inner.Dispose();
        outer.Dispose();
        Assert.That(NameManager.Current.Prefix, Is.EqualTo(""));
    }

    [Test]
    public void NameScopePrefixesGivenAndGeneratedNames()
    {
        var data = Symbol.Variable("data");
        using (Symbol.NameScope("stage1_"))
        {
            var conv = Sym.Convolution(data, numFilter: 4, kernel: (3, 3));
            var named = Sym.Convolution(conv, numFilter: 4, kernel: (3, 3), name: "conv1");
            Assert.That(named.ListArguments(), Is.EqualTo(new[] { "data", "stage1_convolution0_weight", "stage1_convolution0_bias",
                                                                 "stage1_conv1_weight", "stage1_conv1_bias" }));
            Assert.That(Symbol.Variable("v").Name, Is.EqualTo("v"));   // variables are named as given (MXNet's var)
            using (Symbol.NameScope("inner_"))
                Assert.That(Sym.Relu(data).Name, Is.EqualTo("inner_relu0"));   // an inner prefix replaces the outer one
            Assert.That(Sym.Relu(data).Name, Is.EqualTo("stage1_relu0"));
        }
        Assert.That(Sym.Relu(data).Name, Is.EqualTo("relu0"));
    }

    [Test]
    public async Task NameScopesFlowWithAsyncCode()
    {
        var x = Symbol.Variable("x");
        using (Symbol.NameScope("a_"))
        {
            await Task.Yield();
            string name = await Task.Run(() => Sym.Relu(x).Name!);
            Assert.That(name, Is.EqualTo("a_relu0"));
        }
        Assert.That(NameManager.Current.Prefix, Is.EqualTo(""));
    }

    [Test]
    public void ArithmeticRecordsBroadcastOpsWithMXNetsNames()
    {
        var a = Symbol.Variable("A");
        var b = Symbol.Variable("B");
        var dsym = (a + b) / 10 + 1;
        Assert.That(dsym.ListArguments(), Is.EqualTo(new[] { "A", "B" }));
        Assert.That(dsym.ListOutputs(), Is.EqualTo(new[] { "_plusscalar0_output" }));
        string json = dsym.ToJson();
        Assert.That(Node(json, "_plus0").GetProperty("op").GetString(), Is.EqualTo("broadcast_add"));   // a deliberate deviation: MXNet records _Plus
        Assert.That(Node(json, "_divscalar0").GetProperty("op").GetString(), Is.EqualTo("_div_scalar"));
        // Python's spellings: an int scalar is "10", a float one "2.5".
        Assert.That(Attrs(Node(json, "_divscalar0")), Is.EqualTo(new Dictionary<string, string> { ["scalar"] = "10" }));
        using (NameManager.Scope())
            Assert.That(Attrs(Node((a * 2.5).ToJson(), "_mulscalar0")), Is.EqualTo(new Dictionary<string, string> { ["scalar"] = "2.5" }));

        (Symbol Sym, string Name, string Op)[] cases =
        [
            (a - b, "_minus0", "broadcast_sub"), (a * b, "_mul0", "broadcast_mul"), (a / b, "_div0", "broadcast_div"),
            (a % b, "_mod0", "broadcast_mod"), (Symbol.Pow(a, b), "_power0", "broadcast_power"),
            (a - 2, "_minusscalar0", "_minus_scalar"), (2 - a, "_rminusscalar0", "_rminus_scalar"),
            (2 + a, "_plusscalar1", "_plus_scalar"), (a * 2, "_mulscalar0", "_mul_scalar"), (2 * a, "_mulscalar1", "_mul_scalar"),
            (2 / a, "_rdivscalar0", "_rdiv_scalar"), (a % 2, "_modscalar0", "_mod_scalar"), (2 % a, "_rmodscalar0", "_rmod_scalar"),
            (Symbol.Pow(a, 2), "_powerscalar0", "_power_scalar"), (Symbol.Pow(2, a), "_rpowerscalar0", "_rpower_scalar"),
        ];
        foreach (var (s, name, op) in cases)
            Assert.That((s.Name, Node(s.ToJson(), name).GetProperty("op").GetString()), Is.EqualTo((name, op)), name);

        var neg = -a;   // MXNet: x * -1.0
        Assert.That(neg.Name, Is.EqualTo("_mulscalar2"));
        Assert.That(Attrs(Node(neg.ToJson(), "_mulscalar2")), Is.EqualTo(new Dictionary<string, string> { ["scalar"] = "-1.0" }));
        // Broadcasting: shapes (2, 3) and (3,) give (2, 3).
        Assert.That((a + b).InferShape(new Dictionary<string, Shape> { ["A"] = (2, 3), ["B"] = 3 }).OutShapes, Is.EqualTo(new Shape[] { (2, 3) }));
    }

    [Test]
    public void ConditionalInputsFollowMXNet()
    {
        var data = Symbol.Variable("data");
        // No bias given: the variable is created unless no_bias=True, and no no_bias is recorded.
        var conv = Sym.Convolution(data, numFilter: 4, kernel: (3, 3), name: "c1");
        Assert.That(conv.ListArguments(), Is.EqualTo(new[] { "data", "c1_weight", "c1_bias" }));
        Assert.That(conv.Attr("no_bias"), Is.Null);
        var noBias = Sym.Convolution(data, numFilter: 4, kernel: (3, 3), noBias: true, name: "c2");
        Assert.That(noBias.ListArguments(), Is.EqualTo(new[] { "data", "c2_weight" }));
        var e = Assert.Throws<SharpnetException>(() => Sym.Convolution(data, bias: data, numFilter: 4, kernel: (3, 3), noBias: true, name: "c3"))!;
        Assert.That(e.Message, Does.Contain("Convolution 'c3'").And.Contain("input 'bias' is given but is used only when no_bias is False"));
        // An input the default leaves out sets its parameter when given.
        var soft = Sym.Softmax(data, length: Symbol.Variable("len"), name: "sm");
        Assert.That((soft.ListArguments(), soft.Attr("use_length")), Is.EqualTo((new[] { "data", "len" }, "True")));
    }

    [Test]
    public void InvokeByNameWithStringParameters()
    {
        var data = Symbol.Variable("data");
        var conv = Sym.Invoke("Convolution", new Dictionary<string, Symbol> { ["data"] = data },
            new Dictionary<string, string> { ["kernel"] = "(3, 3)", ["num_filter"] = "8", ["__lr_mult__"] = "0.5" }, name: "c");
        Assert.That(conv.ListArguments(), Is.EqualTo(new[] { "data", "c_weight", "c_bias" }));
        Assert.That((conv.Attr("kernel"), conv.Attr("__lr_mult__")), Is.EqualTo(("(3, 3)", "0.5")));
        var fc = Sym.Invoke("FullyConnected", [data, null, null], new Dictionary<string, string> { ["num_hidden"] = "3" });
        Assert.That(fc.Name, Is.EqualTo("fullyconnected0"));
        var cat = Sym.Invoke("Concat", [data, fc], new Dictionary<string, string> { ["num_args"] = "2" });
        Assert.That(cat.ListArguments(), Is.EqualTo(new[] { "data", "fullyconnected0_weight", "fullyconnected0_bias" }));
        var counted = Sym.Invoke("Concat", [data, fc, data], new Dictionary<string, string> { ["dim"] = "0" });   // num_args from the inputs
        Assert.That(counted.ListAttr(), Is.EqualTo(new Dictionary<string, string> { ["dim"] = "0", ["num_args"] = "3" }));
        var e = Assert.Throws<SharpnetException>(() => Sym.Invoke("Concat", [data, data], new Dictionary<string, string> { ["num_args"] = "3" }))!;
        Assert.That(e.Message, Is.EqualTo("Concat 'concat2': num_args is 3 but 2 inputs were given"));
        Assert.That(Sym.Concat([data, fc], dim: 0).Name, Is.EqualTo("concat3"));
    }

    [Test]
    public void MultiOutputOperatorsReturnOneSymbolWithSeveralOutputs()
    {
        var data = Symbol.Variable("data");
        var parts = Sym.Split(data, numOutputs: 3, name: "sp");
        Assert.That(parts.NumOutputs, Is.EqualTo(3));
        Assert.That(parts.ListOutputs(), Is.EqualTo(new[] { "sp_output0", "sp_output1", "sp_output2" }));
        Assert.That(parts.Name, Is.EqualTo("sp"));
        var e = Assert.Throws<SharpnetException>(() => Sym.Relu(parts, name: "r"))!;
        Assert.That(e.Message, Is.EqualTo("relu 'r': input 0 (data) expects a symbol with one output, got one with 3 outputs " +
                                          "(sp_output0, sp_output1, sp_output2); pick one by index or name"));
        using var second = parts[1];
        Assert.That(Sym.Relu(second).InferShape(Data((2, 6))).OutShapes, Is.EqualTo(new Shape[] { (2, 2) }));   // a third of axis 1
        Assert.That(parts.InferShape(Data((2, 6))).OutShapes, Is.EqualTo(new Shape[] { (2, 2), (2, 2), (2, 2) }));
        Assert.That(parts["sp_output2"].ListOutputs(), Is.EqualTo(new[] { "sp_output2" }));
    }

    // --- members ---------------------------------------------------------------------------------------------------

    [Test]
    public void InternalsIndexingAndChildren()
    {
        using var sym = Network();
        using var internals = sym.GetInternals();
        Assert.That(internals.ListOutputs(), Is.EqualTo(new[] { "data", "conv1_weight", "conv1_bias", "conv1_output", "bn1_gamma",
            "bn1_beta", "bn1_moving_mean", "bn1_moving_var", "bn1_output", "relu1_output", "pool1_output", "fc1_weight",
            "fc1_bias", "fc1_output", "softmax_label", "softmax_output" }));
        Assert.That(internals.ToString(), Does.StartWith("<Symbol group [data, conv1_weight, conv1_bias, conv1, bn1_gamma, "));
        var mini = internals["pool1_output"];
        Assert.That(mini.ListArguments(), Is.EqualTo(new[] { "data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta" }));
        Assert.That(internals[13].ListOutputs(), Is.EqualTo(new[] { "fc1_output" }));
        Assert.That(sym[0].Name, Is.EqualTo("softmax"));

        var e = Assert.Throws<SharpnetException>(() => _ = internals["pool1_outptu"])!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        Assert.That(e.Message, Does.Contain("no output named 'pool1_outptu'; did you mean 'pool1_output'?"));
        Assert.That(e.Message, Does.Contain("The outputs are data, conv1_weight"));
        Assert.That(Assert.Throws<SharpnetException>(() => _ = sym[1])!.ErrorCode, Is.EqualTo(ErrorCode.Index));

        using var fc = internals["fc1_output"];
        Assert.That(fc.GetChildren()!.ListOutputs(), Is.EqualTo(new[] { "pool1_output", "fc1_weight", "fc1_bias" }));
        Assert.That(internals["data"].GetChildren(), Is.Null);
    }

    [Test]
    public void AttributesAndDeepCopy()
    {
        var data = Symbol.Variable("data");
        var conv = Sym.Convolution(data, numFilter: 8, kernel: (3, 3), name: "conv1");
        Assert.That(conv.Attr("kernel"), Is.EqualTo("(3, 3)"));
        Assert.That(conv.Attr("stride"), Is.Null);   // only what the user set
        Assert.That(conv.ListAttr(), Is.EqualTo(new Dictionary<string, string> { ["kernel"] = "(3, 3)", ["num_filter"] = "8" }));
        conv.SetAttr("__lr_mult__", "2.0");
        conv.SetAttr("stride", "(2, 2)");   // a parameter: parsed and used
        Assert.That(conv.InferShape(Data((1, 1, 7, 7))).OutShapes, Is.EqualTo(new Shape[] { (1, 8, 3, 3) }));
        Assert.That(conv.ListAttr(recursive: true), Does.ContainKey("conv1$__lr_mult__").And.ContainKey("conv1_weight$kernel"));
        var e = Assert.Throws<SharpnetException>(() => conv.SetAttr("num_filter", "many"))!;
        Assert.That(e.Message, Does.Contain("Convolution").And.Contain("num_filter").And.Contain("'many'"));
        Assert.That(conv.Attr("num_filter"), Is.EqualTo("8"));   // a failed set changes nothing

        using var copy = conv.Copy();
        copy.SetAttr("__lr_mult__", "3.0");
        Assert.That((conv.Attr("__lr_mult__"), copy.Attr("__lr_mult__")), Is.EqualTo(("2.0", "3.0")));
        Assert.That(copy.ToJson(), Is.Not.EqualTo(conv.ToJson()));
    }

    [Test]
    public void GroupListsTheOutputsInOrder()
    {
        var a = Symbol.Variable("a");
        var fc = Sym.FullyConnected(a, numHidden: 2, name: "fc");
        using var group = Symbol.Group(a, fc);
        Assert.That(group.ListOutputs(), Is.EqualTo(new[] { "a", "fc_output" }));
        Assert.That((group.Name, group.NumOutputs, group.ToString()), Is.EqualTo(((string?)null, 2, "<Symbol group [a, fc]>")));
        Assert.Throws<ArgumentException>(() => Symbol.Group());
    }

    [Test]
    public void VariablesCarryMXNetsHiddenAttributes()
    {
        var w = Symbol.Variable("w", shape: (2, 3), dtype: DType.Float16, init: "[\"zero\", {}]", lrMult: 2, wdMult: 0.5,
                                attr: new Dictionary<string, string> { ["__ctx_group__"] = "dev1", ["__shape__"] = "(9, 9)" });
        Assert.That(w.ListAttr(), Is.EqualTo(new Dictionary<string, string>
        {
            ["__ctx_group__"] = "dev1", ["__dtype__"] = "2", ["__init__"] = "[\"zero\", {}]", ["__lr_mult__"] = "2.0",
            ["__shape__"] = "(2, 3)", ["__wd_mult__"] = "0.5",
        }));
        Assert.That(Symbol.Variable("v", shape: 5, dtype: DType.Float32).ListAttr(),
                    Is.EqualTo(new Dictionary<string, string> { ["__dtype__"] = "0", ["__shape__"] = "(5,)" }));
        // The attributes feed inference.
        var fc = Sym.FullyConnected(Symbol.Variable("x", shape: (4, 5)), numHidden: 3);
        Assert.That(fc.InferShape(new Dictionary<string, Shape>()).ArgShapes, Is.EqualTo(new Shape[] { (4, 5), (3, 5), 3 }));
        Assert.That(Sym.Relu(w).InferType(new Dictionary<string, DType>()).OutTypes, Is.EqualTo(new DType?[] { DType.Float16 }));

        Assert.Throws<ArgumentException>(() => Symbol.Variable(""));
        Assert.Throws<ArgumentException>(() => Symbol.Variable("bad", shape: (2, -1)));
    }

    [TestCase(2.0, "2.0")]
    [TestCase(0.5, "0.5")]
    [TestCase(0.1, "0.1")]
    [TestCase(-3.0, "-3.0")]
    [TestCase(1e-05, "1e-05")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(1.5e300, "1.5e+300")]
    [TestCase(123.456, "123.456")]
    [TestCase(0.0, "0.0")]
    [TestCase(double.NaN, "nan")]
    [TestCase(double.NegativeInfinity, "-inf")]
    public void MultipliersAreSpelledAsPythonFloats(double value, string python)
    {
        Assert.That(PythonSpelling.Float(value), Is.EqualTo(python));
        Assert.That(Symbol.Variable("p", lrMult: value).Attr("__lr_mult__"), Is.EqualTo(python));
    }

    // --- inference ---------------------------------------------------------------------------------------------------

    [Test]
    public void InferShapeFromTheDataShape()
    {
        using var sym = Network();
        var (argShapes, outShapes, auxShapes) = sym.InferShape(Data((1, 3, 10, 10)));
        Assert.That(argShapes, Is.EqualTo(new Shape[] { (1, 3, 10, 10), (128, 3, 3, 3), 128, 128, 128, (2, 3200), 2, 1 }));
        Assert.That(outShapes, Is.EqualTo(new Shape[] { (1, 2) }));
        Assert.That(auxShapes, Is.EqualTo(new Shape[] { 128, 128 }));
    }

    [Test]
    public void IncompleteShapesThrowListingTheUnknownArguments()
    {
        var fc = Sym.FullyConnected(Symbol.Variable("data"), numHidden: 10, name: "fc");
        var e = Assert.Throws<SharpnetException>(() => fc.InferShape(Data((0, 5))))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Shape));
        Assert.That(e.Message, Is.EqualTo("InferShape: cannot decide the shapes of these arguments; give them as inputs: data: (0, 5) "
                                          + "(0 in a shape is an unknown dim); InferShapePartial returns what is known"));
        var (args, outs, aux) = fc.InferShapePartial(Data((0, 5)));
        Assert.That(args, Is.EqualTo(new Shape[] { (0, 5), (10, 5), 10 }));
        Assert.That((outs, aux), Is.EqualTo((new Shape[] { (0, 10) }, Array.Empty<Shape>())));
        // Nothing known: unknown ranks are empty shapes.
        Assert.That(fc.InferShapePartial(new Dictionary<string, Shape>()).ArgShapes, Is.EqualTo(new[] { Shape.Empty, Shape.Empty, Shape.Empty }));
        Assert.That(Assert.Throws<SharpnetException>(() => fc.InferShape(new Dictionary<string, Shape>()))!.Message,
                    Does.Contain("give them as inputs: data: (), fc_weight: (), fc_bias: ()"));
    }

    [Test]
    public void ShapeConflictsAndUnknownNamesThrowNamingThem()
    {
        var fc = Sym.FullyConnected(Symbol.Variable("data"), numHidden: 10, name: "fc");
        var e = Assert.Throws<SharpnetException>(() => fc.InferShape(new Dictionary<string, Shape> { ["data"] = (2, 5), ["fc_weight"] = (10, 4) }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Shape));
        Assert.That(e.Message, Does.StartWith("Error in operator fc: FullyConnected: input 1 (weight) has shape (10, 4)"));
        e = Assert.Throws<SharpnetException>(() => fc.InferShapePartial(new Dictionary<string, Shape> { ["dat"] = 3 }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        Assert.That(e.Message, Does.Contain("'dat' is not an input of the symbol; its inputs are data, fc_weight, fc_bias"));
    }

    [Test]
    public void InferTypeGivesNullWhereUnknown()
    {
        using var sym = Network();
        var (args, outs, aux) = sym.InferType(new Dictionary<string, DType> { ["data"] = DType.Float64 });
        Assert.That(args, Has.Count.EqualTo(8).And.All.EqualTo(DType.Float64));
        Assert.That((outs, aux), Is.EqualTo((new DType?[] { DType.Float64 }, new DType?[] { DType.Float64, DType.Float64 })));

        var fc = Sym.FullyConnected(Symbol.Variable("data"), numHidden: 10, name: "fc");
        Assert.That(fc.InferTypePartial(new Dictionary<string, DType>()).ArgTypes, Is.EqualTo(new DType?[] { null, null, null }));
        var e = Assert.Throws<SharpnetException>(() => fc.InferType(new Dictionary<string, DType>()))!;
        Assert.That((e.ErrorCode, e.Message), Is.EqualTo((ErrorCode.Type,
            "InferType: cannot decide the dtypes of these arguments; give them as inputs: data: unknown, fc_weight: unknown, " +
            "fc_bias: unknown; InferTypePartial returns what is known")));
        e = Assert.Throws<SharpnetException>(() =>
            fc.InferType(new Dictionary<string, DType> { ["data"] = DType.Float32, ["fc_weight"] = DType.Float64 }))!;
        Assert.That(e.Message, Does.StartWith("Error in operator fc:").And.Contain("float64"));
    }

    // --- JSON ----------------------------------------------------------------------------------------------------------

    [Test]
    public void JsonHoldsOnlyUserParametersInPythonSpellings()
    {
        using var sym = Network();
        string json = sym.ToJson();
        var conv = new Dictionary<string, string> { ["kernel"] = "(3, 3)", ["num_filter"] = "128", ["pad"] = "(1, 1)" };
        Assert.That(Attrs(Node(json, "conv1")), Is.EqualTo(conv));
        Assert.That(Attrs(Node(json, "conv1_weight")), Is.EqualTo(conv));   // MXNet copies the op's attrs onto the variables it creates
        Assert.That(Attrs(Node(json, "bn1")), Is.Empty);
        Assert.That(Attrs(Node(json, "bn1_moving_mean")), Is.EqualTo(new Dictionary<string, string> { ["__init__"] = "[\"zero\", {}]" }));
        Assert.That(Attrs(Node(json, "bn1_moving_var")), Is.EqualTo(new Dictionary<string, string> { ["__init__"] = "[\"one\", {}]" }));
        Assert.That(Attrs(Node(json, "pool1")), Is.EqualTo(new Dictionary<string, string>
            { ["kernel"] = "(2, 2)", ["pool_type"] = "max", ["stride"] = "(2, 2)" }));
        Assert.That(Node(json, "bn1").GetProperty("op").GetString(), Is.EqualTo("BatchNorm"));
        Assert.That(Sym.BatchNorm(Symbol.Variable("x"), eps: 1e-5, fixGamma: false, name: "bn").ListAttr(),
                    Is.EqualTo(new Dictionary<string, string> { ["eps"] = "1e-05", ["fix_gamma"] = "False" }));
        JsonElement root = JsonDocument.Parse(json).RootElement;
        Assert.That(root.GetProperty("attrs").GetProperty("mxnet_version").ToString(), Is.EqualTo("[\"int\", 10901]"));
        Assert.That(root.GetProperty("attrs").TryGetProperty("sharpnet_version", out _), Is.True);
    }

    [Test]
    public void JsonRoundTripsAndFilesHaveNoBom()
    {
        using var sym = Network();
        string json = sym.ToJson();
        using var back = Symbol.FromJson(json);
        Assert.That(back.ToJson(), Is.EqualTo(json));
        Assert.That(back.InferShape(Data((1, 3, 10, 10))).OutShapes, Is.EqualTo(new Shape[] { (1, 2) }));

        string folder = Directory.CreateTempSubdirectory("sharpnet-symbol-").FullName;
        try
        {
            string path = Path.Combine(folder, "net-symbol.json");
            sym.Save(path);
            sym.Save(path);   // replaces the file
            byte[] bytes = File.ReadAllBytes(path);
            Assert.That(bytes[0], Is.EqualTo((byte)'{'));
            Assert.That(Encoding.UTF8.GetString(bytes), Is.EqualTo(json));
            Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { path }));   // no temporary file left
            using var loaded = Symbol.Load(path);
            Assert.That(loaded.ToJson(), Is.EqualTo(json));

            var e = Assert.Throws<SharpnetException>(() => sym.Save(Path.Combine(folder, "missing", "x.json")))!;
            Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.IO));
            Assert.That(e.Message, Does.StartWith("Symbol.Save: cannot write"));
            e = Assert.Throws<SharpnetException>(() => Symbol.Load(Path.Combine(folder, "none.json")))!;
            Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.IO));
            Assert.That(e.Message, Does.StartWith("Symbol.Load: cannot read"));
            File.WriteAllText(path, "{\"nodes\": [");
            e = Assert.Throws<SharpnetException>(() => Symbol.Load(path))!;
            Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Format));
            Assert.That(e.Message, Does.StartWith($"Symbol.Load: '{path}': symbol JSON: unexpected end of text"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void MXNetFileLoadsInfersAndResavesAsWritten()
    {
        string path = TestPaths.Fixture("dnnl_model1-symbol.json");
        string text = File.ReadAllText(path);
        using var sym = Symbol.Load(path);
        // The classifier's width, from the file: its last layer is a 1x1 convolution (fc8) flattened into the softmax.
        JsonElement classifier = JsonDocument.Parse(text).RootElement.GetProperty("nodes").EnumerateArray()
            .Last(n => n.GetProperty("op").GetString() == "Convolution");
        long classes = long.Parse(classifier.GetProperty("attrs").GetProperty("num_filter").GetString()!);
        Assert.That(classes, Is.EqualTo(1000));
        var (args, outs, aux) = sym.InferShape(Data((1, 3, 224, 224)));
        Assert.That(outs, Is.EqualTo(new Shape[] { (1, classes) }));
        Assert.That(args, Has.Count.EqualTo(sym.ListArguments().Count).And.None.EqualTo(Shape.Empty));
        Assert.That(args[0], Is.EqualTo((Shape)(1, 3, 224, 224)));

        // Re-saved, it is the file byte for byte up to the graph attributes, where Sharpnet writes its versions.
        string saved = sym.ToJson();
        int fileAttrs = text.LastIndexOf("\"attrs\"", StringComparison.Ordinal);
        int savedAttrs = saved.LastIndexOf("\"attrs\"", StringComparison.Ordinal);
        Assert.That(saved[..savedAttrs], Is.EqualTo(text[..fileAttrs]));
        Assert.That(text[fileAttrs..], Does.Contain("10200"));
        Assert.That(saved[savedAttrs..], Does.Contain("\"mxnet_version\": [\"int\", 10901]").And.Contain("\"sharpnet_version\""));
    }

    // --- bad inputs ------------------------------------------------------------------------------------------------------

    [Test]
    public void BadInputsThrowClearExceptions()
    {
        var data = Symbol.Variable("data");
        var e = Assert.Throws<SharpnetException>(() => Sym.Invoke("Convolution", [data],
            new Dictionary<string, string> { ["kernel"] = "(3, 3)", ["num_filter"] = "2", ["bogus"] = "1" }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        Assert.That(e.Message, Does.StartWith("Convolution: unknown parameter 'bogus'; Convolution takes kernel, stride"));
        e = Assert.Throws<SharpnetException>(() => Sym.Invoke("Convlution", [data]))!;
        Assert.That((e.ErrorCode, e.Message), Is.EqualTo((ErrorCode.NotFound, "unknown operator 'Convlution'; did you mean 'Convolution'?")));
        var a = Assert.Throws<ArgumentException>(() => Sym.Invoke("Convolution", new Dictionary<string, Symbol> { ["dta"] = data }))!;
        Assert.That(a.Message, Does.StartWith("Convolution: unknown input 'dta'; Convolution takes data, weight, bias"));
        a = Assert.Throws<ArgumentException>(() => Sym.Invoke("Concat", new Dictionary<string, Symbol> { ["data"] = data }))!;
        Assert.That(a.Message, Does.StartWith("Concat takes a list of inputs"));
        e = Assert.Throws<SharpnetException>(() => Sym.Convolution(data, name: "c"))!;   // kernel and num_filter are required
        Assert.That(e.Message, Does.Contain("Convolution").And.Contain("kernel"));
        e = Assert.Throws<SharpnetException>(() => Sym.Activation(data, actType: "sigmoidal"))!;
        Assert.That(e.Message, Does.Contain("act_type").And.Contain("sigmoidal"));
        e = Assert.Throws<SharpnetException>(() => Symbol.FromJson("{\"nodes\": [{\"op\": \"Bogus\", \"name\": \"x\", \"inputs\": []}], " +
                                                                   "\"arg_nodes\": [], \"heads\": [[0, 0, 0]]}"))!;
        Assert.That((e.ErrorCode, e.Message), Is.EqualTo((ErrorCode.NotFound, "symbol JSON: node 0 ('x'): unknown operator 'Bogus'")));

        // Text with a NUL would be cut short by C: refused wherever it enters, names, attributes and parameters alike.
        a = Assert.Throws<ArgumentException>(() => Symbol.Variable("w\0x"))!;
        Assert.That(a.Message, Does.Contain("must not contain NUL characters").And.Contain("w\\0x"));
        Assert.Throws<ArgumentException>(() => data.SetAttr("__shape__", "(2, 3)\0junk"));
        Assert.That(data.Attr("__shape__"), Is.Null);
        Assert.Throws<ArgumentException>(() => Sym.Relu(data, name: "r\0"));
        Assert.Throws<ArgumentException>(() => Sym.Invoke("Activation", [data], new Dictionary<string, string> { ["act_type"] = "relu\0" }));
        Assert.Throws<ArgumentException>(() => data.InferShape(new Dictionary<string, Shape> { ["da\0ta"] = (1, 2) }));
        // A null in a variadic list is not a variable to create.
        e = Assert.Throws<SharpnetException>(() => Sym.Concat([data, null!]))!;
        Assert.That(e.Message, Does.EndWith("input 1 is missing (variadic inputs are not created as variables)"));

        var disposed = Symbol.Variable("gone");
        disposed.Dispose();
        Assert.That(disposed.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => Sym.Relu(disposed));
        Assert.Throws<ObjectDisposedException>(() => disposed.ListArguments());
        Assert.That(disposed.ToString(), Is.EqualTo("<Symbol (disposed)>"));
    }

    // --- pictures --------------------------------------------------------------------------------------------------------

    [Test]
    public void ToDotDrawsNodesLabelsAndShapes()
    {
        using var sym = Network();
        string dot = sym.ToDot(shapes: Data((1, 3, 10, 10)));
        Assert.That(dot, Does.StartWith("digraph plot {\n").And.EndWith("}\n"));
        Assert.That(dot, Does.Contain("\tdata [label=data fillcolor=\"#8dd3c7\" fixedsize=true height=0.8034 shape=oval style=filled width=1.3]"));
        Assert.That(dot, Does.Contain("\tconv1 [label=\"Convolution\\n3x3/1, 128\" fillcolor=\"#fb8072\""));
        Assert.That(dot, Does.Contain("\tbn1 [label=bn1 fillcolor=\"#bebada\""));
        Assert.That(dot, Does.Contain("\trelu1 [label=\"Activation\\nrelu\" fillcolor=\"#ffffb3\""));
        Assert.That(dot, Does.Contain("\tpool1 [label=\"Pooling\\nmax, 2x2/2x2\" fillcolor=\"#80b1d3\""));
        Assert.That(dot, Does.Contain("\tfc1 [label=\"FullyConnected\\n2\" fillcolor=\"#fb8072\""));
        Assert.That(dot, Does.Contain("\tconv1 -> data [label=\"3x10x10\" arrowtail=open dir=back]"));
        Assert.That(dot, Does.Contain("\tfc1 -> pool1 [label=\"128x5x5\" arrowtail=open dir=back]"));
        Assert.That(dot, Does.Contain("\tsoftmax -> fc1 [label=2 arrowtail=open dir=back]"));
        Assert.That(dot, Does.Not.Contain("conv1_weight").And.Not.Contain("moving_mean"));

        string plain = sym.ToDot("my net", hideWeights: false);
        Assert.That(plain, Does.StartWith("digraph \"my net\" {\n"));
        Assert.That(plain, Does.Contain("\tconv1 -> conv1_weight [label=\"\" arrowtail=open dir=back]"));   // drawn by its edge only, as MXNet
        Assert.That(plain, Does.Not.Contain("\tconv1_weight ["));
        Assert.That(plain, Does.Contain("\tconv1 -> data [label=\"\" arrowtail=open dir=back]"));
    }

    [Test]
    public void PrintSummaryCountsEachParameterOnce()
    {
        using var sym = Network();
        var shapes = new Dictionary<string, Shape> { ["data"] = (1, 3, 10, 10), ["softmax_label"] = 1 };
        var (argShapes, _, _) = sym.InferShape(shapes);
        long expected = sym.ListArguments().Zip(argShapes).Where(p => !shapes.ContainsKey(p.First)).Sum(p => p.Second.Size);
        Assert.That(expected, Is.EqualTo(128 * 27 + 128 + 128 + 128 + 2 * 3200 + 2));

        string summary = sym.PrintSummary(shapes);
        string[] lines = summary.TrimEnd('\n').Split('\n');
        Assert.That(lines.Where(l => !l.StartsWith("Total params", StringComparison.Ordinal)), Has.All.Length.EqualTo(120));
        Assert.That(lines[1], Does.StartWith("Layer (type)" + new string(' ', 41) + "Output Shape" + new string(' ', 12) + "Param #"));
        string Row(string layer) => lines.Single(l => l.StartsWith(layer + " ", StringComparison.Ordinal));
        Assert.That(Row("data(null)"), Does.Contain(" 3x10x10 "));
        Assert.That(Row("conv1(Convolution)"), Does.Contain(" 128x10x10 ").And.Contain(" 3584 ").And.Contain(" data "));
        Assert.That(Row("bn1(BatchNorm)"), Does.Contain(" 256 "));   // gamma and beta; moving statistics are not parameters
        Assert.That(Row("fc1(FullyConnected)"), Does.Contain(" 2 ").And.Contain(" 6402 ").And.Contain(" pool1 "));
        Assert.That(lines[^2], Is.EqualTo($"Total params: {expected}"));
        Assert.That(lines[^3], Is.EqualTo(new string('=', 120)));

        var writer = new StringWriter { NewLine = "\n" };
        sym.PrintSummary(writer, shapes);
        Assert.That(writer.ToString(), Is.EqualTo(summary));
        Assert.Throws<SharpnetException>(() => sym.PrintSummary(new Dictionary<string, Shape>()));   // shapes are needed
    }
}

// Process-wide state (the native symbol count, PATH): these tests run alone.
[NonParallelizable]
public class SymbolProcessTests
{
    [Test]
    public void LiveCountReturnsToItsBaselineAfterDisposeAndFinalization()
    {
        NDArrayMemoryTests.Settle();
        long baseline = Symbol.LiveCount;
        using (NameManager.Scope())
        {
            var data = Symbol.Variable("data");
            var fc = Sym.FullyConnected(data, numHidden: 4);
            using var internals = fc.GetInternals();
            var parts = new List<Symbol> { data, fc, fc[0], internals["fullyconnected0_output"], fc.GetChildren()!, fc.Copy(), fc + data };
            Assert.That(Symbol.LiveCount, Is.EqualTo(baseline + parts.Count + 1));
            foreach (Symbol s in parts) s.Dispose();
            parts[0].Dispose();   // twice is fine
        }
        Assert.That(Symbol.LiveCount, Is.EqualTo(baseline));

        CreateGarbage(200);   // never disposed: the handles' finalizers free them
        NDArrayMemoryTests.Settle();
        Assert.That(Symbol.LiveCount, Is.EqualTo(baseline));

        // Failed compositions leak nothing.
        using (var x = Symbol.Variable("x"))
        {
            Assert.Throws<SharpnetException>(() => Sym.Convolution(x, name: "c"));
            Assert.Throws<SharpnetException>(() => Symbol.FromJson("{"));
            Assert.That(Symbol.LiveCount, Is.EqualTo(baseline + 1));
        }
        NDArrayMemoryTests.Settle();
        Assert.That(Symbol.LiveCount, Is.EqualTo(baseline));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CreateGarbage(int n)
    {
        using var names = NameManager.Scope();
        for (int i = 0; i < n; i++)
        {
            var x = Symbol.Variable("x");
            _ = Sym.Relu(x * 2).GetInternals();
        }
    }

    [Test]
    public void RenderDotRunsGraphvizFromPathOrSaysItIsMissing()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("the stand-in dot is a shell script");
            return;
        }
        using var names = NameManager.Scope();
        using var sym = Sym.Relu(Symbol.Variable("data"), name: "r");
        string folder = Directory.CreateTempSubdirectory("sharpnet-dot-").FullName;
        string? path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", folder);
            var e = Assert.Throws<SharpnetException>(() => sym.RenderDot(Path.Combine(folder, "net.png")))!;
            Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Unsupported));
            Assert.That(e.Message, Does.Contain("Graphviz is not installed (no 'dot' program on PATH)"));

            // A stand-in dot that writes its format argument and its input to the -o file.
            string dot = Path.Combine(folder, "dot");
            File.WriteAllText(dot, "#!/bin/sh\n{ echo \"$1\"; /bin/cat; } > \"$3\"\n");
            File.SetUnixFileMode(dot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string output = Path.Combine(folder, "net.svg");
            sym.RenderDot(output, "svg", title: "t");
            Assert.That(File.ReadAllText(output), Is.EqualTo("-Tsvg\n" + sym.ToDot("t")));

            // Like Graphviz with an unknown format: it fails without reading its input.
            File.WriteAllText(dot, "#!/bin/sh\necho 'Format: \"nope\" not recognized' >&2\nexit 1\n");
            e = Assert.Throws<SharpnetException>(() => sym.RenderDot(output, "nope"))!;
            Assert.That(e.Message, Does.Contain("failed with exit code 1").And.Contain("not recognized"));
            Assert.Throws<ArgumentException>(() => sym.RenderDot(output, "-o/etc/passwd"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
            Directory.Delete(folder, recursive: true);
        }
    }
}
