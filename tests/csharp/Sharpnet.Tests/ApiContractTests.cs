// API.md's snippets, compiled: one assertion per line of the contract, so it cannot drift.
// Sections are added as the features they describe land.
using NUnit.Framework;

namespace Sharpnet.Tests;

public class ApiContractTests
{
    [Test]
    public void BasicTypes()
    {
        Shape s = (2, 3);                 // implicit from int (1-D), tuples up to 6 dims, int[] and long[]
        Assert.That(s.ToString(), Is.EqualTo("(2, 3)"));
        Assert.That(((Shape)10).ToString(), Is.EqualTo("(10,)"));
        Assert.That(((Shape)(1, 2, 3, 4, 5, 6)).NDim, Is.EqualTo(6));
        Assert.That(((Shape)new[] { 4, 5 }).ToString(), Is.EqualTo("(4, 5)"));
        Assert.That(((Shape)new long[] { 4, 5 }).ToString(), Is.EqualTo("(4, 5)"));

        DType[] dtypes = { DType.Float32, DType.Float64, DType.Float16, DType.BFloat16, DType.UInt8,
                           DType.Int8, DType.Int32, DType.Int64, DType.Bool };
        Assert.That(dtypes.Distinct().Count(), Is.EqualTo(9));

        Assert.That(Context.Cpu(), Is.EqualTo(Context.Cpu(0)));
        Assert.That(Context.Gpu(0).ToString(), Is.EqualTo("gpu(0)"));
        var ctx = Context.Cpu(0);
        Assert.That(ctx.ToString(), Is.EqualTo("cpu(0)"));
        Assert.That(Context.Default, Is.EqualTo(Context.Cpu(0)));   // cpu(0) unless changed with `using (Context.Gpu(0).Use())`
        using (Context.Gpu(0).Use()) Assert.That(Context.Default, Is.EqualTo(Context.Gpu(0)));
        Assert.That(Context.Default, Is.EqualTo(Context.Cpu(0)));
        Assert.That(Context.NumGpus(), Is.EqualTo(0));              // a CPU-only build
    }

    [Test]
    public void ErrorsAreSharpnetExceptionsWithACode()
    {
        // Every failure is a SharpnetException (with an ErrorCode) or a .NET argument exception.
        var e = Assert.Throws<SharpnetException>(() => SharpnetLibrary.HasFeature("TPU"))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        Assert.Throws<ArgumentOutOfRangeException>(() => Engine.IntraOpThreads = -1);
    }

    // API.md "NDArray (imperative, asynchronous)": the lines that need no registered operator.
    [Test]
    public async Task NDArrayBasics()
    {
        using var scope = NDArray.NewScope();
        var a = NDArray.Array(new float[,] { { 1, 2 }, { 3, 4 } });   // float32, cpu(0)
        Assert.That(a.ToString(), Is.EqualTo("[[1. 2.]\n [3. 4.]]\n<NDArray 2x2 @cpu(0)>"));
        Assert.That((a.Shape, a.DType, a.Context, a.Size, a.NDim), Is.EqualTo(((Shape)(2, 2), DType.Float32, Context.Cpu(0), 4L, 2)));
        var c8 = NDArray.Array(new float[,] { { 1, 2 }, { 3, 4 } }, dtype: DType.Int8);
        Assert.That(c8.DType, Is.EqualTo(DType.Int8));
        Assert.That(NDArray.Zeros(10).Shape, Is.EqualTo((Shape)10));
        Assert.That(NDArray.Ones(10, ctx: Context.Cpu()).ToArray<float>(), Is.All.EqualTo(1f));
        Assert.That(NDArray.Full((2, 2), 7f).ToArray<float>(), Is.All.EqualTo(7f));
        Assert.That(NDArray.Empty((3, 4)).Shape, Is.EqualTo((Shape)(3, 4)));
        Assert.That(NDArray.Arange(0, 28).Reshape((1, 1, 4, 7)).Shape, Is.EqualTo((Shape)(1, 1, 4, 7)));

        var c = NDArray.Array(new float[,] { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } });
        Assert.That(c[0, 1..3].ToString(), Is.EqualTo("[2. 3.]\n<NDArray 2 @cpu(0)>"));
        Assert.That(c[1].Shape, Is.EqualTo((Shape)4));                      // row view
        Assert.That(c[0..1].Shape, Is.EqualTo((Shape)(1, 4)));              // leading-axis slice is a view
        var f = c.Copy(); f[0, 0] = -1;
        Assert.That(c[0, 0].AsScalar<float>(), Is.EqualTo(1f));             // c unchanged
        var e = c;  e[0, 0] = -1;
        Assert.That(c[0, 0].AsScalar<float>(), Is.EqualTo(-1f));            // same array: c changed
        long live = NDArray.LiveCount;
        c[..] = 0f;                                                         // scalar literals never leak
        Assert.That(NDArray.LiveCount, Is.EqualTo(live));
        var other = NDArray.Array(new float[] { 9, 8, 7, 6 });
        c[0] = other;                                                       // assignment from an NDArray
        float[] flat = c.ToArray<float>();   float[,] m = c.ToArray2D<float>();  float x = c[0, 0].AsScalar<float>();
        Assert.That((flat[0], m[0, 3], x), Is.EqualTo((9f, 6f, 9f)));
        Assert.That(NDArray.Array(m).ToArray<float>(), Is.EqualTo(flat));   // round trip
        var ex = Assert.Throws<SharpnetException>(() => e.AsInContext(Context.Gpu(0)))!;
        Assert.That(ex.Message, Does.Contain("gpu(0) is not available"));
        var target = NDArray.Zeros((2, 4));
        e.CopyTo(target); e.CopyTo(Context.Cpu());
        Assert.That(e.AsType(DType.Float16).DType, Is.EqualTo(DType.Float16));

        Assert.That(a.Reshape(4).Shape, Is.EqualTo((Shape)4));
        Assert.That(a.Reshape((0, -1)).Shape, Is.EqualTo((Shape)(2, 2)));
        a.WaitToRead();  NDArray.WaitAll();
        await a.WaitToReadAsync(); float[] v = await a.ToArrayAsync<float>();
        Assert.That(v, Is.EqualTo(new float[] { 1, 2, 3, 4 }));
        long n = a.Size; long d0 = a.Shape[0];
        Assert.That((n, d0), Is.EqualTo((4L, 2L)));

        string dir = Path.Combine(Path.GetTempPath(), "sharpnet-contract-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var w = NDArray.Ones(3);
            var b = NDArray.Zeros(2);
            NDArray.Save(Path.Combine(dir, "x.params"), new Dictionary<string, NDArray> { ["w"] = w });
            NDArray.Save(Path.Combine(dir, "x.nd"), new[] { a, b });
            IReadOnlyDictionary<string, NDArray> dict = NDArray.LoadDict(Path.Combine(dir, "x.params"));
            IReadOnlyList<NDArray> list = NDArray.LoadList(Path.Combine(dir, "x.nd"));
            Assert.That(dict["w"].ToArray<float>(), Is.EqualTo(new float[] { 1, 1, 1 }));
            Assert.That(list[0].ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // API.md "NDArray": arithmetic, operators and the generated per-operator methods.
    [Test]
    public void NDArrayOperators()
    {
        using var scope = NDArray.NewScope();
        var a = NDArray.Array(new float[,] { { 1, 2 }, { 3, 4 } });
        var b = NDArray.Array(new float[] { 10, 20 });
        Assert.That(NDArray.Random.Uniform(0, 1, shape: (3, 3)).Shape, Is.EqualTo((Shape)(3, 3)));
        Assert.That(NDArray.Random.Normal(0, 1, shape: (3, 3)).Shape, Is.EqualTo((Shape)(3, 3)));
        NDArray.Random.Seed(42);                     // global seed: every sampler, NDArray or Symbol, is reproducible
        var u1 = NDArray.Random.Uniform(0, 1, shape: 5).ToArray<float>();
        NDArray.Random.Seed(42);
        Assert.That(NDArray.Random.Uniform(0, 1, shape: 5).ToArray<float>(), Is.EqualTo(u1));

        // arithmetic broadcasts like NumPy
        var r = (a + b) / 10f;  var d = b + 1f;  var p = a * b;  var neg = -a;  var eq = a == b;  var gt = a > 0.5f;
        Assert.That(r.ToArray<float>(), Is.EqualTo(new[] { 1.1f, 2.2f, 1.3f, 2.4f }).Within(1e-6f));
        Assert.That(d.ToArray<float>(), Is.EqualTo(new[] { 11f, 21f }));
        Assert.That(p.ToArray<float>(), Is.EqualTo(new[] { 10f, 40f, 30f, 80f }));
        Assert.That(neg.ToArray<float>(), Is.EqualTo(new[] { -1f, -2f, -3f, -4f }));
        Assert.That(eq.ToArray<float>(), Is.EqualTo(new[] { 0f, 0f, 0f, 0f }));
        Assert.That(gt.ToArray<float>(), Is.EqualTo(new[] { 1f, 1f, 1f, 1f }));

        Assert.That(a.T.ToArray<float>(), Is.EqualTo(new[] { 1f, 3f, 2f, 4f }));
        Assert.That(a.Transpose((1, 0)).ToArray<float>(), Is.EqualTo(new[] { 1f, 3f, 2f, 4f }));
        Assert.That(a.Sum().ToString(), Is.EqualTo("[10.]\n<NDArray 1 @cpu(0)>"));  // legacy: full reductions give shape (1,)
        Assert.That(a.Sum(axis: 1, keepdims: true).Shape, Is.EqualTo((Shape)(2, 1)));
        Assert.That(a.Mean().AsScalar<float>(), Is.EqualTo(2.5f));
        Assert.That(a.Flatten().Shape, Is.EqualTo((Shape)(2, 2)));
        Assert.That(a.ExpandDims(0).Shape, Is.EqualTo((Shape)(1, 2, 2)));
        Assert.That(ND.Dot(a, a).ToArray<float>(), Is.EqualTo(new[] { 7f, 10f, 15f, 22f }));
        Assert.That(ND.BatchDot(a.Reshape((1, 2, 2)), a.Reshape((1, 2, 2))).Shape, Is.EqualTo((Shape)(1, 2, 2)));
        Assert.That(ND.Relu(neg).ToArray<float>(), Is.All.EqualTo(0f));
        Assert.That(ND.Sigmoid(NDArray.Zeros(1)).AsScalar<float>(), Is.EqualTo(0.5f));
        Assert.That(ND.Exp(NDArray.Zeros(1)).AsScalar<float>(), Is.EqualTo(1f));

        var acc = NDArray.Zeros(2);
        acc += b;   // in place (C# 14 compound assignment), as MXNet's +=
        acc += b;
        Assert.That(acc.ToArray<float>(), Is.EqualTo(new[] { 20f, 40f }));
        acc *= 0.5f;
        Assert.That(acc.ToArray<float>(), Is.EqualTo(new[] { 10f, 20f }));

        // Any registered operator by name, with MXNet's string parameters
        var sum = ND.Invoke("sum", [a], new Dictionary<string, string> { ["axis"] = "(0,)", ["keepdims"] = "True" });
        Assert.That(sum[0].ToArray<float>(), Is.EqualTo(new[] { 4f, 6f }));
        Assert.That(ND.ListOps(), Does.Contain("broadcast_add").And.Contain("dot").And.Contain("_plus_scalar"));
        // Context mismatch is an error naming both contexts (never a crash)
        var other = NDArray.Ones(2, ctx: Context.Cpu(1));
        var ex = Assert.Throws<SharpnetException>(() => (b + other).WaitToRead())!;
        Assert.That(ex.Message, Is.EqualTo(
            "broadcast_add: all inputs must live on the same context, but input 0 is on cpu(0) and input 1 is on cpu(1)"));
    }

    // API.md "Memory ownership".
    [Test]
    public void MemoryOwnership()
    {
        NDArray keep;
        var a = NDArray.Ones(3);
        long before = NDArray.LiveCount;
        using (var scope = NDArray.NewScope())       // disposes every array created inside...
        {
            var t = a * 2f;
            keep = t.MoveToOuterScope();             // ...except those moved out
        }
        Assert.That(keep.IsDisposed, Is.False);
        Assert.That(NDArray.LiveCount, Is.EqualTo(before + 1));   // arrays alive in this process
        Assert.That(keep.ToArray<float>(), Is.All.EqualTo(2f));
        keep.Dispose();
        a.Dispose();
    }

    // API.md "Autograd".
    [Test]
    public void Autograd_()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });  var w = NDArray.Array(new float[] { 2, 3 });
        var b = NDArray.Array(new float[] { 4 });
        x.AttachGrad(); w.AttachGrad(); b.AttachGrad();          // gradReq: GradReq.Write | Add | Null
        NDArray z;
        NDArray y;
        using (Autograd.Record()) { y = x * w + b; z = y.Sum(); }   // y = [6, 10], z = 16
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 6f, 10f }));
        Assert.That(z.AsScalar<float>(), Is.EqualTo(16f));
        z.Backward();
        // x.Grad = [2, 3]; w.Grad = [1, 2]; b.Grad = [2] (b was broadcast over two elements)
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 2f, 3f }));
        Assert.That(w.Grad!.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
        Assert.That(b.Grad!.ToArray<float>(), Is.EqualTo(new[] { 2f }));

        Assert.That(Autograd.IsRecording, Is.False); Assert.That(Autograd.IsTraining, Is.False);
        using (Autograd.Record())
        {
            Assert.That((Autograd.IsRecording, Autograd.IsTraining), Is.EqualTo((true, true)));
            using (Autograd.Pause()) Assert.That((Autograd.IsRecording, Autograd.IsTraining), Is.EqualTo((false, false)));
            using (Autograd.PredictMode()) Assert.That((Autograd.IsRecording, Autograd.IsTraining), Is.EqualTo((true, false)));
        }
        using (Autograd.TrainMode()) Assert.That((Autograd.IsRecording, Autograd.IsTraining), Is.EqualTo((false, true)));
        using (Autograd.Record(trainMode: false)) Assert.That((Autograd.IsRecording, Autograd.IsTraining), Is.EqualTo((true, false)));

        NDArray y1, y2;
        using (Autograd.Record()) { y = x * 3f; y1 = x * 2f; y2 = x * x; }
        var headGrad = NDArray.Array(new float[] { 1, 10 });
        y.Backward(headGrad);
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 3f, 30f }));
        var (g1, g2) = (NDArray.Ones(2), NDArray.Ones(2));
        Autograd.Backward(new[] { y1, y2 }, new[] { g1, g2 }, retainGraph: false);
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 4f, 6f }));   // 2 + 2x

        using (Autograd.Record()) z = (x * x * x).Sum();
        var grads = Autograd.Grad(new[] { z }, new[] { x }, createGraph: true);   // higher order
        Assert.That(grads[0].ToArray<float>(), Is.EqualTo(new[] { 3f, 12f }));   // 3x^2
    }

    // API.md "Symbol and Executor", every line.
    [Test]
    public void SymbolAndExecutor_()
    {
        using var names = NameManager.Scope();   // auto-name counters start at 0 whatever ran before
        var data = Symbol.Variable("data");
        var conv = Sym.Convolution(data, numFilter: 128, kernel: (3, 3), pad: (1, 1), name: "conv1");
        var bn   = Sym.BatchNorm(conv, name: "bn1");
        var relu = Sym.Activation(bn, actType: "relu", name: "relu1");
        var pool = Sym.Pooling(relu, kernel: (2, 2), stride: (2, 2), poolType: "max", name: "pool1");
        var fc   = Sym.FullyConnected(pool, numHidden: 2, name: "fc1");
        var sym  = Sym.SoftmaxOutput(fc, name: "softmax");
        Assert.That(sym.ListArguments(), Is.EqualTo(new[]
            { "data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta", "fc1_weight", "fc1_bias", "softmax_label" }));
        Assert.That(sym.ListAuxiliaryStates(), Is.EqualTo(new[] { "bn1_moving_mean", "bn1_moving_var" }));
        Assert.That(sym.ListOutputs(), Is.EqualTo(new[] { "softmax_output" }));
        var (argShapes, outShapes, auxShapes) = sym.InferShape(new Dictionary<string, Shape> { ["data"] = (1, 3, 10, 10) });
        // args: (1,3,10,10) (128,3,3,3) (128,) (128,) (128,) (2,3200) (2,) (1,);  outs: (1,2);  aux: (128,) (128,)
        Assert.That(argShapes, Is.EqualTo(new Shape[] { (1, 3, 10, 10), (128, 3, 3, 3), 128, 128, 128, (2, 3200), 2, 1 }));
        Assert.That(outShapes, Is.EqualTo(new Shape[] { (1, 2) }));
        Assert.That(auxShapes, Is.EqualTo(new Shape[] { 128, 128 }));
        Assert.That(sym.InferShapePartial(new Dictionary<string, Shape> { ["data"] = (0, 3, 10, 10) }).OutShapes,
                    Is.EqualTo(new Shape[] { (0, 2) }));
        Assert.That(sym.InferType(new Dictionary<string, DType> { ["data"] = DType.Float32 }).OutTypes,
                    Is.EqualTo(new DType?[] { DType.Float32 }));
        var mini = sym.GetInternals()["pool1_output"];
        Assert.That(mini.ListArguments(), Is.EqualTo(new[] { "data", "conv1_weight", "conv1_bias", "bn1_gamma", "bn1_beta" }));
        var sym2 = Sym.SoftmaxOutput(Sym.FullyConnected(mini, numHidden: 5, name: "fc_new"), name: "softmax");
        Assert.That(sym2.ListArguments().TakeLast(3), Is.EqualTo(new[] { "fc_new_weight", "fc_new_bias", "softmax_label" }));
        Assert.That(sym2.InferShape(new Dictionary<string, Shape> { ["data"] = (1, 3, 10, 10) }).OutShapes,
                    Is.EqualTo(new Shape[] { (1, 5) }));

        string json = sym.ToJson();
        Assert.That(Symbol.FromJson(json).ToJson(), Is.EqualTo(json));
        string path = Path.Combine(Path.GetTempPath(), $"sharpnet-api-{Guid.NewGuid():N}-symbol.json");
        try
        {
            sym.Save(path);
            Assert.That(Symbol.Load(path).ToJson(), Is.EqualTo(json));
        }
        finally
        {
            File.Delete(path);
        }
        var (s1, s2) = (fc, sym);
        Assert.That(Symbol.Group(s1, s2).ListOutputs(), Is.EqualTo(new[] { "fc1_output", "softmax_output" }));
        Assert.That(sym[0].Name, Is.EqualTo("softmax"));
        Assert.That(sym.GetInternals()["fc1_output"].Name, Is.EqualTo("fc1"));
        Assert.That(sym.GetChildren()!.ListOutputs(), Is.EqualTo(new[] { "fc1_output", "softmax_label" }));
        Assert.That(sym.ToDot(), Does.StartWith("digraph plot {").And.Contain("\tfc1 [label=\"FullyConnected\\n2\""));  // Graphviz (plot_network)
        using (Symbol.NameScope("stage1_")) { Assert.That(Sym.Relu(data).Name, Is.EqualTo("stage1_relu0")); }   // MXNet's NameManager/Prefix
        Assert.That(Sym.Relu(data).Name, Is.EqualTo("relu0"));

        var A = Symbol.Variable("A"); var B = Symbol.Variable("B");
        var dsym = (A + B) / 10 + 1;
        Assert.That(dsym.ListArguments(), Is.EqualTo(new[] { "A", "B" }));
        Assert.That(dsym.ListOutputs(), Is.EqualTo(new[] { "_plusscalar0_output" }));

        using var arrays = NDArray.NewScope();   // disposes the arrays below
        var s = Symbol.Variable("data_c") * (Symbol.Variable("data_a") + Symbol.Variable("data_b"));
        using var ex = s.Bind(Context.Cpu(), new Dictionary<string, NDArray> {
            ["data_a"] = NDArray.Array(new float[] { 1, 2, 3 }), ["data_b"] = NDArray.Array(new float[] { 4, 5, 6 }),
            ["data_c"] = NDArray.Array(new float[] { 2, 3, 4 }) });
        Assert.That(ex.Forward()[0].ToArray<float>(), Is.EqualTo(new[] { 10f, 21f, 36f }));   // [10. 21. 36.]
        // Bind(ctx, args, argsGrad: dict, gradReq: GradReq.Write, auxStates: dict, sharedExec: other)
        var args = new Dictionary<string, NDArray> { ["A"] = NDArray.Ones(10), ["B"] = NDArray.Ones(10) };
        var grads = new Dictionary<string, NDArray> { ["A"] = NDArray.Zeros(10), ["B"] = NDArray.Zeros(10) };
        using var ex2 = dsym.Bind(Context.Cpu(), args, argsGrad: grads, gradReq: GradReq.Write,
                                  auxStates: new Dictionary<string, NDArray>(), sharedExec: ex);
        ex2.ArgDict["A"][..] = 3f;   // ex.ArgDict["A"][..] = values
        ex2.Forward(isTrain: true);
        ex2.Backward(new[] { NDArray.Full(10, 2f) });   // ex.Backward(outGrads)
        Assert.That(ex2.Outputs[0].ToArray<float>(), Is.All.EqualTo(1.4f));
        Assert.That(ex2.GradDict["A"].ToArray<float>(), Is.All.EqualTo(0.2f));
        Assert.That(ex2.AuxDict, Is.Empty);
        Assert.That(ex2.ArgArrays.Count, Is.EqualTo(2));
        Assert.That(ex2.GradArrays[1], Is.SameAs(grads["B"]));
        Assert.That(ex2.MemoryPlan.PlannedBytes, Is.GreaterThan(0));   // ex.MemoryPlan (planned bytes)
        // API.md binds `sym` with (128, 784) data; that network is convolutional, so an MLP stands in for it here.
        var mlp = Sym.SoftmaxOutput(Sym.FullyConnected(Sym.Relu(Sym.FullyConnected(Symbol.Variable("data"), numHidden: 128)),
                                                       numHidden: 10), name: "softmax");
        using var tr = mlp.SimpleBind(Context.Cpu(), gradReq: GradReq.Write,
                                      shapes: new Dictionary<string, Shape> { ["data"] = (128, 784), ["softmax_label"] = 128 });
        Assert.That(tr.ArgDict["data"].Shape, Is.EqualTo(new Shape(128, 784)));
    }
}
