using NUnit.Framework;

namespace Sharpnet.Tests;

public class ContextTests
{
    [Test]
    public void PrintsLikeMXNet()
    {
        Assert.That(Context.Cpu(1).ToString(), Is.EqualTo("cpu(1)"));
        Assert.That(Context.CpuPinned().ToString(), Is.EqualTo("cpu_pinned(0)"));
        Assert.That(Context.Cpu(0), Is.Not.EqualTo(Context.Cpu(1)));   // distinct devices, as in MXNet
    }

    [Test]
    public void NegativeOrdinalsAreArgumentErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Context.Cpu(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Context((DeviceType)9, 0));
    }

    [Test]
    public async Task DefaultFlowsWithAsyncCodeAndScopesNest()
    {
        using (Context.Cpu(1).Use())
        {
            await Task.Yield();
            Assert.That(Context.Default, Is.EqualTo(Context.Cpu(1)));
            using (Context.Cpu(2).Use()) Assert.That(Context.Default, Is.EqualTo(Context.Cpu(2)));
            Assert.That(Context.Default, Is.EqualTo(Context.Cpu(1)));
            Context seenElsewhere = await Task.Run(() => Context.Default);   // flows into child tasks
            Assert.That(seenElsewhere, Is.EqualTo(Context.Cpu(1)));
        }
        Assert.That(Context.Default, Is.EqualTo(Context.Cpu(0)));
    }

    [Test]
    public void ScopesDoNotLeakAcrossUnrelatedTasks()
    {
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var t = Task.Run(async () =>
        {
            using (Context.Cpu(5).Use())
            {
                inside.SetResult();
                await release.Task;
            }
        });
        inside.Task.Wait();
        Assert.That(Context.Default, Is.EqualTo(Context.Cpu(0)));
        release.SetResult();
        t.Wait();
    }
}
