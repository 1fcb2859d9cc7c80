using NUnit.Framework;

namespace Sharpnet.Tests;

public class AutogradTests
{
    [Test]
    public void SecondDerivativeOfCube()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { -1, 0.5f, 2 });
        x.AttachGrad();
        NDArray y;
        using (Autograd.Record()) y = x * x * x;
        var dx = Autograd.Grad([y], [x], createGraph: true)[0];
        Assert.That(dx.ToArray<float>(), Is.EqualTo(new[] { 3f, 0.75f, 12f }).Within(1e-6f));
        dx.Backward();  // d/dx sum(3x^2) = 6x, into x.Grad
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { -6f, 3f, 12f }).Within(1e-5f));
    }

    [Test]
    public void SecondDerivativeOfTanh()
    {
        using var scope = NDArray.NewScope();
        float[] xs = { -1.5f, -0.2f, 0.3f, 1.1f };
        var x = NDArray.Array(xs);
        x.AttachGrad();
        NDArray y;
        using (Autograd.Record()) y = x.Tanh();
        var dx = Autograd.Grad([y], [x], createGraph: true)[0];
        var d2x = Autograd.Grad([dx], [x])[0];
        for (int i = 0; i < xs.Length; i++)
        {
            double t = Math.Tanh(xs[i]);
            Assert.That(dx.ToArray<float>()[i], Is.EqualTo(1 - t * t).Within(1e-6));
            Assert.That(d2x.ToArray<float>()[i], Is.EqualTo(-2 * t * (1 - t * t)).Within(1e-5));
        }
    }

    [Test]
    public void GradReqAddAccumulatesAndNullLeavesNoGradient()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        var c = NDArray.Array(new float[] { 5, 7 });
        x.AttachGrad(GradReq.Add);
        c.AttachGrad(GradReq.Null);
        Assert.That(x.GradReq, Is.EqualTo(GradReq.Add));
        for (int i = 0; i < 3; i++)
        {
            NDArray z;
            using (Autograd.Record()) z = (x * c).Sum();
            z.Backward();
        }
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 15f, 21f }));
        Assert.That(c.Grad!.ToArray<float>(), Is.EqualTo(new[] { 0f, 0f }));
        // A caller's buffer receives the gradient.
        var buffer = NDArray.Zeros(2);
        x.AttachGrad(GradReq.Write, buffer);
        NDArray w;
        using (Autograd.Record()) w = (x * x).Sum();
        w.Backward();
        Assert.That(buffer.ToArray<float>(), Is.EqualTo(new[] { 2f, 4f }));
    }

    [Test]
    public void BackwardTwiceNeedsRetainGraph()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        x.AttachGrad(GradReq.Add);
        NDArray z;
        using (Autograd.Record()) z = (x * x).Sum();
        z.Backward(retainGraph: true);
        z.Backward();
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 4f, 8f }));
        var e = Assert.Throws<SharpnetException>(() => z.Backward())!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.InvalidState));
        Assert.That(e.Message, Does.Contain("retainGraph: true"));
    }

    [Test]
    public void InPlaceWriteToARecordedArrayIsAnError()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        x.AttachGrad();
        using (Autograd.Record())
        {
            var e = Assert.Throws<SharpnetException>(() => x += NDArray.Ones(2))!;
            Assert.That(e.Message, Does.Contain("cannot write in place into an array recorded by autograd"));
            var y = x * 2f;
            Assert.Throws<SharpnetException>(() => y *= 3f);
        }
        x += NDArray.Ones(2);  // not recording: allowed
        Assert.That(x.ToArray<float>(), Is.EqualTo(new[] { 2f, 3f }));
    }

    [Test]
    public void DetachAndBlockGradStopGradients()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        x.AttachGrad();
        NDArray z;
        using (Autograd.Record())
        {
            var y = x * x;
            z = (y.Detach() * x + ND.BlockGrad(y) + y).Sum();  // only the last term and x's factor carry gradients
        }
        z.Backward();
        // d/dx (c*x + c + x^2) with c = x^2 held constant: c + 2x
        Assert.That(x.Grad!.ToArray<float>(), Is.EqualTo(new[] { 3f, 8f }));
        Assert.That(x.Detach().HasHistory, Is.False);
    }

    [Test]
    public void RecordingDoesNotLeakAcrossThreadsOrTasks()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        x.AttachGrad();
        bool otherThreadSawRecording = true, otherThreadRecorded = true;
        using var inScope = new ManualResetEventSlim();
        using var checkedDone = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            inScope.Wait();
            otherThreadSawRecording = Autograd.IsRecording;
            using var y = x * 2f;
            otherThreadRecorded = y.HasHistory;
            checkedDone.Set();
        });
        thread.Start();
        using (Autograd.Record())
        {
            inScope.Set();
            checkedDone.Wait();
            // A task whose flow does not come from here sees no recording either.
            Task<bool> unrelated;
            using (ExecutionContext.SuppressFlow()) unrelated = Task.Run(() => Autograd.IsRecording);
            Assert.That(unrelated.Result, Is.False);
        }
        thread.Join();
        Assert.That(otherThreadSawRecording, Is.False);
        Assert.That(otherThreadRecorded, Is.False);
        Assert.That(Autograd.IsRecording, Is.False);
    }

    [Test]
    public async Task RecordingFlowsAcrossAwaits()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 3 });
        x.AttachGrad();
        NDArray z;
        using (Autograd.Record())
        {
            await Task.Yield();  // resumes on a pool thread: the flags come along with the flow
            Assert.That(Autograd.IsRecording, Is.True);
            z = x * x;
            await x.WaitToReadAsync();
            Assert.That(await Task.Run(() => Autograd.IsRecording), Is.True, "a child task inherits the scope");
        }
        z.Backward();
        Assert.That(x.Grad!.AsScalar<float>(), Is.EqualTo(6f));
    }

    [Test]
    public void ConcurrentRecordingsOnTasksAreIndependent()
    {
        var results = Enumerable.Range(1, 8).AsParallel().WithDegreeOfParallelism(4).Select(k =>
        {
            using var scope = NDArray.NewScope();
            var x = NDArray.Array(new float[] { k });
            x.AttachGrad();
            NDArray z;
            using (Autograd.Record()) z = x * x * (float)k;
            z.Backward();
            return (k, g: x.Grad!.AsScalar<float>());
        }).ToList();
        foreach (var (k, g) in results) Assert.That(g, Is.EqualTo(2f * k * k));
    }

    [Test]
    public void BackwardFreesWhatItNoLongerNeeds()
    {
        NDArray.WaitAll();
        long live = NDArray.LiveCount;
        var (handles, chunks) = NDArray.NativeLiveCount();
        var x = NDArray.Random.Uniform(shape: (256, 256));
        x.AttachGrad();
        NDArray z;
        using (var scope = NDArray.NewScope())
        {
            using (Autograd.Record()) z = (x.Exp().Tanh() * x).Sum().MoveToOuterScope();
        }
        // The tape holds the intermediates (exp, tanh) though their NDArray objects are disposed.
        NDArray.WaitAll();
        Assert.That(NDArray.NativeLiveCount().Chunks, Is.GreaterThan(chunks + 3));
        long inUse = Storage.GetStats(Context.Cpu()).InUse;
        z.Backward();
        NDArray.WaitAll();
        Assert.That(NDArray.NativeLiveCount().Chunks, Is.EqualTo(chunks + 3), "x, its gradient and z remain");
        Assert.That(Storage.GetStats(Context.Cpu()).InUse, Is.LessThan(inUse));
        z.Dispose();
        x.Dispose();
        NDArray.WaitAll();
        Assert.That(NDArray.LiveCount, Is.EqualTo(live));
        Assert.That(NDArray.NativeLiveCount(), Is.EqualTo((handles, chunks)));
    }

    [Test]
    public void MarkVariables()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(new float[] { 1, 2 });
        var gx = NDArray.Zeros(2);
        Autograd.MarkVariables([x], [gx]);
        NDArray z;
        using (Autograd.Record()) z = (x * 5f).Sum();
        z.Backward();
        Assert.That(gx.ToArray<float>(), Is.EqualTo(new[] { 5f, 5f }));
        Assert.Throws<ArgumentException>(() => Autograd.MarkVariables([x], []));
    }
}
