using NUnit.Framework;

namespace Sharpnet.Tests;

[NonParallelizable]  // engine settings are process-wide
public class EngineTests
{
    [Test]
    public void SettingsAreReadable()
    {
        Assert.That(Engine.Kind, Is.EqualTo(EngineKind.Threaded).Or.EqualTo(EngineKind.Naive));
        var (compute, copy) = Engine.CpuWorkers;
        Assert.That(compute, Is.GreaterThanOrEqualTo(1));
        Assert.That(copy, Is.GreaterThanOrEqualTo(1));
        Assert.That(Engine.NumCores, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void BadSettingsNameTheArgument()
    {
        var e = Assert.Throws<SharpnetException>(() => Engine.SetCpuWorkers(0, 1))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.InvalidArgument));
        Assert.That(e.Message, Does.Contain("argument 'compute' expects a count in [1, 1024], got 0"));
        Assert.Throws<SharpnetException>(() => Engine.SetMaxPendingOps(0));
        Assert.DoesNotThrow(() => Engine.SetMaxPendingOps(1 << 16));
    }

    [Test]
    public void WaitAllWithNothingPendingSucceeds()
    {
        Engine.WaitAll();
        Assert.That(Engine.PendingOps, Is.EqualTo(0));
    }
}

[NonParallelizable]  // the CPU pool is process-wide
public class StorageTests
{
    [TearDown]
    public void RemoveLimit() => Storage.SetMemoryLimit(Context.Cpu(), 0);

    [Test]
    public void StatsAndLimit()
    {
        MemoryStats stats = Storage.GetStats(Context.Cpu(1));   // every CPU context shares the pool
        Assert.That(stats.InUse, Is.GreaterThanOrEqualTo(0));
        Assert.That(stats.Peak, Is.GreaterThanOrEqualTo(stats.InUse));
        Storage.SetMemoryLimit(Context.Cpu(), 1L << 30);
        Assert.That(Storage.GetStats(Context.Cpu()).Limit, Is.EqualTo(1L << 30));
        Storage.ReleaseAll(Context.Cpu());
        Assert.That(Storage.GetStats(Context.Cpu()).Cached, Is.EqualTo(0));
        Storage.ResetPeak(Context.Cpu());
    }

    [Test]
    public void GpuWithoutCudaAndNegativeLimitsAreErrors()
    {
        var e = Assert.Throws<SharpnetException>(() => Storage.GetStats(Context.Gpu(0)))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Unsupported));
        Assert.That(e.Message, Does.Contain("gpu(0) is not available: this build of Sharpnet has no CUDA support"));
        var e2 = Assert.Throws<SharpnetException>(() => Storage.SetMemoryLimit(Context.Cpu(), -1))!;
        Assert.That(e2.Message, Does.Contain("expects a byte count >= 0"));
    }
}
