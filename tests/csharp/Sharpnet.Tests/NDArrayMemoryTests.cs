using NUnit.Framework;

namespace Sharpnet.Tests;

// Live counts are process-wide: these tests run alone.
[NonParallelizable]
public class NDArrayMemoryTests
{
    // Finalises what other tests left to the GC, so a live count can be compared (NNTests uses it too).
    internal static void Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        NDArray.WaitAll();
    }

    [Test]
    public void ScopesDisposeWhatIsCreatedInsideUnlessMovedOut()
    {
        Settle();
        long baseline = NDArray.LiveCount;
        NDArray keep;
        using (var scope = NDArray.NewScope())
        {
            var a = NDArray.Ones(10);
            var view = a.Reshape((2, 5));
            keep = NDArray.Zeros(3).MoveToOuterScope();
            Assert.That(scope.Count, Is.EqualTo(2));
            Assert.That(NDArray.LiveCount, Is.EqualTo(baseline + 3));
        }
        Assert.That(NDArray.LiveCount, Is.EqualTo(baseline + 1));
        Assert.That(keep.ToArray<float>(), Is.EqualTo(new float[3]));
        keep.Dispose();
        Assert.That(NDArray.LiveCount, Is.EqualTo(baseline));
    }

    [Test]
    public async Task ScopesFlowAcrossAwait()
    {
        Settle();
        long baseline = NDArray.LiveCount;
        using (NDArray.NewScope())
        {
            await Task.Yield();
            _ = NDArray.Ones(4);
            await Task.Run(() => _ = NDArray.Zeros(4));   // child tasks join the scope
            await Task.Delay(1);
            Assert.That(NDArray.LiveCount, Is.EqualTo(baseline + 2));
        }
        Assert.That(NDArray.LiveCount, Is.EqualTo(baseline));
    }

    [Test]
    public void NestedScopesMoveOutOneLevel()
    {
        Settle();
        long baseline = NDArray.LiveCount;
        NDArray survivor;
        using (NDArray.NewScope())
        {
            using (NDArray.NewScope())
            {
                survivor = NDArray.Ones(1).MoveToOuterScope();
            }
            Assert.That(survivor.IsDisposed, Is.False);
        }
        Assert.That(survivor.IsDisposed, Is.True);
        Assert.That(NDArray.LiveCount, Is.EqualTo(baseline));
    }

    [Test]
    public void ScalarAssignmentNeverCreatesATemporary()
    {
        using var a = NDArray.Zeros((100, 100));
        Settle();
        long before = NDArray.LiveCount;
        var (handlesBefore, _) = NDArray.NativeLiveCount();
        for (int i = 0; i < 1000; i++)
        {
            a[i % 100, ..] = (float)i;
            a[.., 3] = 2.0;
        }
        a.WaitToRead();
        Assert.That(NDArray.LiveCount, Is.EqualTo(before));
        Assert.That(NDArray.NativeLiveCount().Handles, Is.EqualTo(handlesBefore));
    }

    [Test]
    public void FinalizedArraysReleaseNativeMemoryWhileOtherThreadsCompute()
    {
        Settle();
        long baseline = NDArray.LiveCount;
        var (handles0, chunks0) = NDArray.NativeLiveCount();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            using var x = NDArray.Ones(1000);
            while (!stop.IsCancellationRequested)
            {
                using var y = x.Copy();
                y[0] = 2f;
                y.WaitToRead();
            }
        })).ToArray();
        CreateGarbage(2000);   // never disposed: the finalizer thread frees them
        Settle();
        stop.Cancel();
        Task.WaitAll(workers);
        Settle();
        Assert.That(NDArray.LiveCount, Is.EqualTo(baseline));
        var (handles, chunks) = NDArray.NativeLiveCount();
        Assert.That(handles, Is.EqualTo(handles0));
        Assert.That(chunks, Is.EqualTo(chunks0));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CreateGarbage(int n)
    {
        for (int i = 0; i < n; i++)
        {
            var a = NDArray.Ones(256);
            var v = a.Reshape((16, 16));
            v[0, 0] = 3f;
        }
    }

    [Test]
    public void StorageReturnsToThePoolAfterDisposeAndWaitAll()
    {
        Settle();
        long inUse = Storage.GetStats(Context.Cpu()).InUse;
        using (NDArray.NewScope())
        {
            var big = NDArray.Ones((1024, 1024));
            big.WaitToRead();
            Assert.That(Storage.GetStats(Context.Cpu()).InUse, Is.GreaterThanOrEqualTo(inUse + (4 << 20)));
        }
        NDArray.WaitAll();
        Assert.That(Storage.GetStats(Context.Cpu()).InUse, Is.EqualTo(inUse));
    }
}
