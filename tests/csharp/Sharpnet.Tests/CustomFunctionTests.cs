using NUnit.Framework;

namespace Sharpnet.Tests;

public class CustomFunctionTests
{
    // y = sigmoid(x), with the gradient from the saved output (MXNet's autograd.Function example).
    private sealed class Sigmoid : CustomFunction
    {
        public int ForwardThread, BackwardThread;
        protected override NDArray[] Forward(IReadOnlyList<NDArray> inputs)
        {
            ForwardThread = Environment.CurrentManagedThreadId;
            Assert.That(Autograd.IsRecording, Is.False, "callbacks run paused");
            var y = 1f / (1f + (-inputs[0]).Exp());
            SaveForBackward(y);
            return [y];
        }

        protected override NDArray[] Backward(IReadOnlyList<NDArray> outputGrads)
        {
            BackwardThread = Environment.CurrentManagedThreadId;
            var y = SavedTensors[0];
            y.WaitToRead();  // waiting is allowed: callbacks never run on an engine worker
            return [outputGrads[0] * y * (1f - y)];
        }
    }

    [Test]
    public void ForwardAndBackwardMatchTheBuiltInOperator()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { -2, 0, 1.5f });
        x.AttachGrad();
        var fn = new Sigmoid();
        NDArray z;
        using (Autograd.Record()) z = (fn.Apply(x)[0] * NDArray.Array(new float[] { 1, 2, 3 })).Sum();
        z.Backward();
        float[] grad = x.Grad!.ToArray<float>();
        float[] xs = { -2, 0, 1.5f };
        float[] w = { 1, 2, 3 };
        for (int i = 0; i < 3; i++)
        {
            double s = 1 / (1 + Math.Exp(-xs[i]));
            Assert.That(grad[i], Is.EqualTo(w[i] * s * (1 - s)).Within(1e-6));
        }
        Assert.That(fn.ForwardThread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(fn.BackwardThread, Is.Not.EqualTo(Environment.CurrentManagedThreadId));
        Assert.Throws<InvalidOperationException>(() => fn.Apply(x), "an instance is applied once");
    }

    private sealed class Failing(bool inForward) : CustomFunction
    {
        protected override NDArray[] Forward(IReadOnlyList<NDArray> inputs) =>
            inForward ? throw new InvalidDataException("bad forward data") : [inputs[0] * 2f];

        protected override NDArray[] Backward(IReadOnlyList<NDArray> outputGrads) =>
            throw new InvalidDataException("bad backward data");
    }

    [Test]
    public void ExceptionsSurfaceAtTheWait()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        var y = new Failing(inForward: true).Apply(x)[0];  // returns: the failure is asynchronous
        var e = Assert.Throws<SharpnetException>(() => y.WaitToRead())!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Callback));
        Assert.That(e.Message, Does.Contain("InvalidDataException: bad forward data"));
        Assert.Throws<SharpnetException>(() => NDArray.WaitAll());

        x.AttachGrad();
        NDArray z;
        using (Autograd.Record()) z = new Failing(inForward: false).Apply(x)[0].Sum();
        z.Backward();
        e = Assert.Throws<SharpnetException>(() => x.Grad!.WaitToRead())!;
        Assert.That(e.Message, Does.Contain("bad backward data"));
        Assert.Throws<SharpnetException>(() => NDArray.WaitAll());
    }

    private sealed class WrongShape : CustomFunction
    {
        protected override NDArray[] Forward(IReadOnlyList<NDArray> inputs) => [NDArray.Zeros(5)];
        protected override NDArray[] Backward(IReadOnlyList<NDArray> outputGrads) => outputGrads.ToArray();
    }

    [Test]
    public void OutputsMustMatchTheDeclaredShapes()
    {
        using var scope = NDArray.NewScope();
        var y = new WrongShape().Apply(NDArray.Ones(2))[0];
        var e = Assert.Throws<SharpnetException>(() => y.WaitToRead())!;
        Assert.That(e.Message, Does.Contain("out has shape (2,)"));
        Assert.Throws<SharpnetException>(() => NDArray.WaitAll());
    }

    // Two outputs and a nested custom function inside the forward.
    private sealed class SplitScale : CustomFunction
    {
        protected override IReadOnlyList<(Shape Shape, DType DType)> InferOutputs(IReadOnlyList<NDArray> inputs) =>
            [(inputs[0].Shape, DType.Float32), (inputs[0].Shape, DType.Float32)];

        protected override NDArray[] Forward(IReadOnlyList<NDArray> inputs)
        {
            var inner = new Sigmoid().Apply(inputs[0])[0];
            inner.WaitToRead();
            return [inputs[0] * 2f, inner];
        }

        protected override NDArray[] Backward(IReadOnlyList<NDArray> outputGrads) => [outputGrads[0] * 2f];
    }

    [Test]
    public void SeveralOutputsAndNesting()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 0, 1 });
        x.AttachGrad();
        NDArray[] ys;
        NDArray z;
        using (Autograd.Record())
        {
            ys = new SplitScale().Apply(x);
            z = ys[0].Sum();
        }
        Assert.That(ys[0].ToArray<float>(), Is.EqualTo(new[] { 0f, 2f }));
        Assert.That(ys[1].ToArray<float>()[0], Is.EqualTo(0.5f));
        z.Backward();
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 2f, 2f }));
    }

    [Test]
    public void NoArraysLeak()
    {
        // Garbage other tests left for the finalizer is collected first, so only this test's arrays are counted.
        NDArray.WaitAll();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        NDArray.WaitAll();
        long live = NDArray.LiveCount;
        var (handles, chunks) = NDArray.NativeLiveCount();
        using (var scope = NDArray.NewScope())
        {
            var x = NDArray.Array(new float[] { 1, 2, 3 });
            x.AttachGrad();
            NDArray z;
            using (Autograd.Record()) z = new Sigmoid().Apply(x)[0].Sum();
            z.Backward();
            x.Grad!.WaitToRead();
        }
        NDArray.WaitAll();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        NDArray.WaitAll();
        Assert.That(NDArray.LiveCount, Is.EqualTo(live));
        Assert.That(NDArray.NativeLiveCount(), Is.EqualTo((handles, chunks)));
    }
}
