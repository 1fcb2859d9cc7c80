using NUnit.Framework;

namespace Sharpnet.Tests;

// The managed Executor: binding by name and by list, training through SimpleBind, reshape, ownership of the arrays
// and bad input.
public class ExecutorTests
{
    [Test]
    public void TrainsALinearRegressionWithSimpleBind()
    {
        NDArray.WaitAll();
        GC.Collect();   // garbage other tests left for the finalizer must not be counted here
        GC.WaitForPendingFinalizers();
        long before = NDArray.LiveCount, executors = Executor.LiveCount;
        using (var scope = NDArray.NewScope())
        {
            var data = Symbol.Variable("data");
            var net = Sym.LinearRegressionOutput(Sym.FullyConnected(data, numHidden: 1, name: "fc"), name: "lro");
            using var ex = net.SimpleBind(Context.Cpu(), new Dictionary<string, Shape> { ["data"] = (64, 3) },
                                          gradReqs: new Dictionary<string, GradReq> { ["data"] = GradReq.Null, ["lro_label"] = GradReq.Null });
            Assert.That(ex.GradDict.Keys, Is.EquivalentTo(new[] { "fc_weight", "fc_bias" }));
            var x = NDArray.Random.Uniform(-1, 1, new Shape(64, 3));
            var w = NDArray.Array(new float[] { 1, -2, 0.5f }).Reshape(new Shape(3, 1));
            var y = ND.Dot(x, w).Reshape(64) + 0.3f;
            double first = 0, last = 0;
            for (int step = 0; step < 200; step++)
            {
                var outputs = ex.Forward(isTrain: true, new Dictionary<string, NDArray> { ["data"] = x, ["lro_label"] = y });
                double loss = ((outputs[0].Reshape(64) - y) * (outputs[0].Reshape(64) - y)).Mean().AsScalar<float>();
                if (step == 0) first = loss;
                last = loss;
                ex.Backward();
                foreach (var name in new[] { "fc_weight", "fc_bias" })
                    ex.ArgDict[name][..] = ex.ArgDict[name] - 0.1f / 64 * ex.GradDict[name];
            }
            Assert.That(last, Is.LessThan(first * 1e-3));
            Assert.That(ex.ArgDict["fc_weight"].ToArray<float>(), Is.EqualTo(new[] { 1f, -2f, 0.5f }).Within(1e-2));
        }
        Assert.That(Executor.LiveCount, Is.EqualTo(executors));
        Assert.That(NDArray.LiveCount, Is.EqualTo(before));   // the executor's arrays went with it
    }

    [Test]
    public void BindByListKeepsTheCallersArrays()
    {
        using var scope = NDArray.NewScope();   // every temporary is disposed
        var a = Symbol.Variable("a");
        var b = Symbol.Variable("b");
        var sym = Sym.BroadcastMul(a, b);
        using var x = NDArray.Array(new float[] { 1, 2 });
        using var y = NDArray.Array(new float[] { 3, 4 });
        using var gx = NDArray.Zeros(2);
        using (var ex = sym.Bind(Context.Cpu(), new[] { x, y }, argsGrad: new NDArray?[] { gx, null }, gradReq: GradReq.Add))
        {
            Assert.That(ex.ArgArrays[0], Is.SameAs(x));
            Assert.That(ex.GradArrays[1], Is.Null);
            ex.Forward(isTrain: true);
            ex.Backward(NDArray.Ones(2));
            ex.Backward(NDArray.Ones(2));
        }
        Assert.That(gx.ToArray<float>(), Is.EqualTo(new[] { 6f, 8f }));   // added twice; alive after the executor
        Assert.That(x.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void ReshapeSharesParameters()
    {
        using var scope = NDArray.NewScope();   // every temporary is disposed
        var net = Sym.FullyConnected(Symbol.Variable("data"), numHidden: 4, name: "fc");
        using var big = net.SimpleBind(Context.Cpu(), new Dictionary<string, Shape> { ["data"] = (8, 3) });
        big.ArgDict["fc_weight"][..] = 0.5f;
        big.ArgDict["data"][..] = 1f;
        using var small = big.Reshape(new Dictionary<string, Shape> { ["data"] = (2, 3) });
        Assert.That(small.Forward()[0].Shape, Is.EqualTo(new Shape(2, 4)));
        Assert.That(small.Outputs[0].ToArray<float>(), Is.All.EqualTo(1.5f));
        var e = Assert.Throws<SharpnetException>(() => big.Reshape(new Dictionary<string, Shape> { ["data"] = (16, 3) }).Dispose())!;
        Assert.That(e.Message, Does.Contain("allowUpSizing"));
        using var larger = big.Reshape(new Dictionary<string, Shape> { ["data"] = (16, 3) }, allowUpSizing: true);
        Assert.That(larger.ArgDict["fc_weight"].ToArray<float>(), Is.All.EqualTo(0.5f));
    }

    [Test]
    public void PlanOptionsChangeThePlanNotTheResults()
    {
        using var scope = NDArray.NewScope();   // every temporary is disposed
        var data = Symbol.Variable("data");
        var h = Sym.Activation(Sym.FullyConnected(data, numHidden: 32, name: "fc1"), actType: "tanh");
        var net = Sym.LinearRegressionOutput(Sym.FullyConnected(Sym.Sigmoid(h), numHidden: 1, name: "fc2"), name: "out");
        var shapes = new Dictionary<string, Shape> { ["data"] = (16, 8) };
        using var planned = net.SimpleBind(Context.Cpu(), shapes);
        using var unshared = net.SimpleBind(Context.Cpu(), shapes, options: new ExecutorOptions { ShareMemory = false, InPlace = false, BulkMax = 1 });
        using var mirrored = net.SimpleBind(Context.Cpu(), shapes, options: new ExecutorOptions { Mirror = true });
        // The defaults come from the native library (MXNet's).
        Assert.That(new ExecutorOptions(), Is.EqualTo(new ExecutorOptions
            { CommonSubexpressionElimination = true, Mirror = false, InPlace = true, ShareMemory = true, MatchRange = 16, BulkMax = 15 }));
        Assert.That(planned.MemoryPlan.PlannedBytes, Is.LessThan(unshared.MemoryPlan.PlannedBytes));
        Assert.That(unshared.MemoryPlan.PlannedBytes, Is.EqualTo(unshared.MemoryPlan.UnsharedBytes));
        Assert.That(mirrored.MemoryPlan.MirrorCopies, Is.GreaterThan(0));
        Assert.That(planned.DebugString(), Does.Contain("backward"));
        var x = NDArray.Random.Uniform(-1, 1, new Shape(16, 8));
        var outs = new List<float[]>();
        foreach (var ex in new[] { planned, unshared, mirrored })
        {
            ex.ArgDict["fc1_weight"][..] = 0.1f;
            ex.ArgDict["fc2_weight"][..] = -0.2f;
            ex.Forward(isTrain: true, new Dictionary<string, NDArray> { ["data"] = x });
            ex.Backward();
            outs.Add(ex.GradDict["fc1_weight"].ToArray<float>());
        }
        Assert.That(outs[1], Is.EqualTo(outs[0]).Within(1e-6));
        Assert.That(outs[2], Is.EqualTo(outs[0]).Within(1e-6));
    }

    [Test]
    public void BadInputIsAClearError()
    {
        using var scope = NDArray.NewScope();   // every temporary is disposed
        var sym = Symbol.Variable("x") * Symbol.Variable("w");
        var e1 = Assert.Throws<ArgumentException>(() => sym.Bind(Context.Cpu(), new Dictionary<string, NDArray> { ["x"] = NDArray.Ones(2) }))!;
        Assert.That(e1.Message, Does.Contain("no array for argument 'w'"));
        var e2 = Assert.Throws<ArgumentException>(() => sym.Bind(Context.Cpu(),
            new Dictionary<string, NDArray> { ["x"] = NDArray.Ones(2), ["w"] = NDArray.Ones(2), ["q"] = NDArray.Ones(2) }))!;
        Assert.That(e2.Message, Does.Contain("'q' in args is not an argument of the symbol; they are x, w"));
        var e3 = Assert.Throws<SharpnetException>(() => sym.Bind(Context.Cpu(),
            new Dictionary<string, NDArray> { ["x"] = NDArray.Ones(2), ["w"] = NDArray.Ones(3) }))!;
        Assert.That(e3.ErrorCode, Is.EqualTo(ErrorCode.Shape));
        using var ex = sym.Bind(Context.Cpu(), new Dictionary<string, NDArray> { ["x"] = NDArray.Ones(2), ["w"] = NDArray.Ones(2) });
        var e4 = Assert.Throws<SharpnetException>(() => ex.Backward())!;
        Assert.That(e4.Message, Does.Contain("no gradient was requested"));
        var e5 = Assert.Throws<SharpnetException>(() => ex.Forward(inputs: new Dictionary<string, NDArray> { ["x"] = NDArray.Ones(3) }))!;
        Assert.That(e5.Message, Does.Contain("input 'x' has shape (3,)"));
        var e6 = Assert.Throws<SharpnetException>(() => sym.SimpleBind(Context.Cpu(), new Dictionary<string, Shape>()).Dispose())!;
        Assert.That(e6.Message, Does.Contain("still unknown"));
        ex.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ex.Forward());
    }
}
