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
}
