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

    // API.md "Memory ownership" (the scope snippet's arithmetic arrives with the operators).
    [Test]
    public void MemoryOwnership()
    {
        NDArray keep;
        long before = NDArray.LiveCount;
        using (var scope = NDArray.NewScope())       // disposes every array created inside...
        {
            var t = NDArray.Full(3, 2f);
            keep = t.MoveToOuterScope();             // ...except those moved out
        }
        Assert.That(keep.IsDisposed, Is.False);
        Assert.That(NDArray.LiveCount, Is.GreaterThanOrEqualTo(before));   // arrays alive in this process
        keep.Dispose();
    }
}
