using NUnit.Framework;

namespace Sharpnet.Tests;

public class NDArrayTests
{
    [Test]
    public void CreatesFromManagedArraysOfEveryRank()
    {
        using var a = NDArray.Array(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.That(a.Shape, Is.EqualTo((Shape)(2, 2)));
        Assert.That(a.DType, Is.EqualTo(DType.Float32));
        Assert.That(a.Context, Is.EqualTo(Context.Cpu(0)));
        Assert.That(a.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
        using var b = NDArray.Array(new int[,,] { { { 1 }, { 2 } }, { { 3 }, { 4 } } });
        Assert.That(b.Shape, Is.EqualTo((Shape)(2, 2, 1)));
        Assert.That(b.DType, Is.EqualTo(DType.Float32));  // MXNet's nd.array default, whatever the source type
        using var c = NDArray.Array(new long[] { 1, 2, 3 }, dtype: DType.Int64);
        Assert.That(c.ToArray<long>(), Is.EqualTo(new long[] { 1, 2, 3 }));
        using var d = NDArray.Array(new float[] { 1, 2, 3, 4, 5, 6 }.AsSpan(), (2, 3));
        Assert.That(d.ToArray2D<float>(), Is.EqualTo(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }));
        Assert.Throws<ArgumentException>(() => NDArray.Array(new float[] { 1, 2, 3 }.AsSpan(), (2, 2)));
        Assert.Throws<ArgumentException>(() => NDArray.Array(new decimal[,] { { 1 } }));
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Float16)]
    [TestCase(DType.BFloat16)]
    [TestCase(DType.UInt8)]
    [TestCase(DType.Int8)]
    [TestCase(DType.Int32)]
    [TestCase(DType.Int64)]
    [TestCase(DType.Bool)]
    public void EveryDTypeRoundTripsThroughManagedMemory(DType dtype)
    {
        var values = new double[] { 0, 1, 2, 3, 100, -5 };
        using var a = NDArray.Array(values, dtype: dtype);
        Assert.That(a.DType, Is.EqualTo(dtype));
        double[] expected = dtype switch
        {
            DType.Bool => values.Select(v => v != 0 ? 1.0 : 0.0).ToArray(),
            DType.UInt8 => values.Select(v => Math.Clamp(v, 0, 255)).ToArray(),  // saturating
            _ => values,
        };
        Assert.That(a.ToArray<double>(), Is.EqualTo(expected));
        Assert.That(a.AsType(DType.Float32).ToArray<float>(), Is.EqualTo(expected.Select(v => (float)v).ToArray()));
    }

    [Test]
    public void HalfAndBoolElementTypes()
    {
        using var h = NDArray.Array(new Half[] { (Half)0.5, (Half)(-2) }, dtype: DType.Float16);
        Assert.That(h.ToArray<Half>(), Is.EqualTo(new Half[] { (Half)0.5, (Half)(-2) }));
        using var b = NDArray.Array(new bool[] { true, false, true }, dtype: DType.Bool);
        Assert.That(b.ToArray<bool>(), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void FillsAndArange()
    {
        using var z = NDArray.Zeros(10);
        Assert.That(z.Shape, Is.EqualTo((Shape)10));
        Assert.That(z.ToArray<float>(), Is.All.EqualTo(0f));
        using var o = NDArray.Ones(10, ctx: Context.Cpu());
        Assert.That(o.ToArray<float>(), Is.All.EqualTo(1f));
        using var f = NDArray.Full((2, 2), 7f);
        Assert.That(f.ToArray<float>(), Is.All.EqualTo(7f));
        using var e = NDArray.Empty((3, 4));
        Assert.That(e.Shape, Is.EqualTo((Shape)(3, 4)));
        using var r = NDArray.Arange(0, 28).Reshape((1, 1, 4, 7));
        Assert.That(r.Shape, Is.EqualTo((Shape)(1, 1, 4, 7)));
        Assert.That(r.ToArray<float>()[27], Is.EqualTo(27f));
        using var s = NDArray.Arange(1, 2, 0.25, repeat: 2);
        Assert.That(s.ToArray<float>(), Is.EqualTo(new float[] { 1, 1, 1.25f, 1.25f, 1.5f, 1.5f, 1.75f, 1.75f }));
        using var five = NDArray.Arange(5, dtype: DType.Int32);
        Assert.That(five.ToArray<int>(), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    [Test]
    public void CopyIsIndependentAliasIsTheSameArray()
    {
        using var c = NDArray.Array(new float[,] { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } });
        using var f = c.Copy();
        f[0, 0] = -1;
        Assert.That(c[0, 0].AsScalar<float>(), Is.EqualTo(1f));  // c unchanged
        var e = c;
        e[0, 0] = -1;
        Assert.That(c[0, 0].AsScalar<float>(), Is.EqualTo(-1f));  // same array
    }

    [Test]
    public void IndexingViewsAndCopiesFollowMXNet()
    {
        using var c = NDArray.Array(new float[,] { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } });
        using var part = c[0, 1..3];
        Assert.That(part.ToArray<float>(), Is.EqualTo(new float[] { 2, 3 }));
        Assert.That(part.ToString(), Is.EqualTo("[2. 3.]\n<NDArray 2 @cpu(0)>"));
        using var row = c[1];  // a view
        row[..] = 0f;
        Assert.That(c.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4, 0, 0, 0, 0 }));
        using var head = c[0..1];  // leading-axis slice: a view
        head[0, ^1] = 9f;
        Assert.That(c[0, 3].AsScalar<float>(), Is.EqualTo(9f));
        using var column = c[.., 1];  // strided: a copy
        column[..] = 100f;
        Assert.That(c[0, 1].AsScalar<float>(), Is.EqualTo(2f));
        using var stepped = c[0, SliceIndex.Slice(null, null, 2)];
        Assert.That(stepped.ToArray<float>(), Is.EqualTo(new float[] { 1, 3 }));
        using var reversed = c[0, SliceIndex.Slice(null, null, -1)];
        Assert.That(reversed.ToArray<float>(), Is.EqualTo(new float[] { 9, 3, 2, 1 }));
        using var added = c[SliceIndex.NewAxis, 0];
        Assert.That(added.Shape, Is.EqualTo((Shape)(1, 4)));
        Assert.That(c[-1, -1].AsScalar<float>(), Is.EqualTo(0f));   // negative ints count from the end (Python)
        Assert.That(c[^1, ^1].AsScalar<float>(), Is.EqualTo(0f));
    }

    [Test]
    public void AssignmentFromScalarsAndArrays()
    {
        using var c = NDArray.Zeros((2, 3));
        c[..] = 1f;
        using var row = NDArray.Array(new float[] { 7, 8, 9 });
        c[0] = row;
        c[.., 0] = 5;
        using var col = NDArray.Array(new float[,] { { -1 }, { -2 } });
        c[.., 1..] = col;   // broadcast
        Assert.That(c.ToArray2D<float>(), Is.EqualTo(new float[,] { { 5, -1, -1 }, { 5, -2, -2 } }));
        var e = Assert.Throws<SharpnetException>(() => c[0] = NDArray.Array(new float[] { 1, 2 }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Shape));
        Assert.That(e.Message, Does.Contain("cannot be broadcast to the indexed shape (3,)"));
    }

    [Test]
    public void BadIndicesAreClearErrors()
    {
        using var c = NDArray.Zeros((2, 3));
        var e = Assert.Throws<SharpnetException>(() => _ = c[2])!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Index));
        Assert.That(e.Message, Is.EqualTo("index 2 is out of bounds for axis 0 with size 2"));
        Assert.Throws<IndexOutOfRangeException>(() => _ = c[^0]);
        Assert.Throws<SharpnetException>(() => _ = c[0, 0, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceIndex.Slice(0, 1, 0));
    }

    [Test]
    public void ViewsReshapeSliceAt()
    {
        using var a = NDArray.Arange(24).Reshape((2, 3, 4));
        using var flat = a.Reshape(-1);
        Assert.That(flat.Shape, Is.EqualTo((Shape)24));
        using var merged = a.Reshape((-3, 0));
        Assert.That(merged.Shape, Is.EqualTo((Shape)(6, 4)));
        using var back = a.Reshape((-1, 0), reverse: true);
        Assert.That(back.Shape, Is.EqualTo((Shape)(6, 4)));
        using var s = a.Slice(1, 2);
        Assert.That(s.Shape, Is.EqualTo((Shape)(1, 3, 4)));
        using var at = a.At(-1);
        Assert.That(at.ToArray<float>()[0], Is.EqualTo(12f));
        var e = Assert.Throws<SharpnetException>(() => a.Reshape((5, 5)))!;
        Assert.That(e.Message, Is.EqualTo("reshape: cannot reshape (2, 3, 4) to (5, 5): the sizes differ (24 vs 25 elements)"));
    }

    [Test]
    public void CopiesAcrossContextsAndTypes()
    {
        using var a = NDArray.Array(new float[] { 1.5f, -2.5f, 300f });
        using var b = a.CopyTo(Context.Cpu(1));
        Assert.That(b.Context, Is.EqualTo(Context.Cpu(1)));
        Assert.That(b.ToArray<float>(), Is.EqualTo(a.ToArray<float>()));
        Assert.That(a.AsInContext(Context.Cpu(0)), Is.SameAs(a));
        using var target = NDArray.Zeros(3, DType.Int8);
        a.CopyTo(target);
        Assert.That(target.ToArray<sbyte>(), Is.EqualTo(new sbyte[] { 1, -2, 127 }));  // saturating
        using var h = a.AsType(DType.Float16);
        Assert.That(h.DType, Is.EqualTo(DType.Float16));
        var e = Assert.Throws<SharpnetException>(() => a.CopyTo(Context.Gpu(0)))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Unsupported));
        Assert.That(e.Message, Does.Contain("gpu(0) is not available: this build of Sharpnet has no CUDA support"));
    }

    [Test]
    public void ScalarsAndPartialCopies()
    {
        using var a = NDArray.Arange(10, dtype: DType.Int64);
        Assert.That(a[3].AsScalar<long>(), Is.EqualTo(3));
        Assert.Throws<InvalidOperationException>(() => a.AsScalar<long>());
        Span<long> part = stackalloc long[3];
        a.CopyTo(part, offset: 7);
        Assert.That(part.ToArray(), Is.EqualTo(new long[] { 7, 8, 9 }));
        a.CopyFrom<int>(new[] { 70, 80 }, offset: 7);
        Assert.That(a.ToArray<long>()[7..9], Is.EqualTo(new long[] { 70, 80 }));
        var e = Assert.Throws<SharpnetException>(() => a.CopyTo(new long[4], offset: 8))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Index));
    }

    [Test]
    public async Task AsyncFormsCompleteFromEngineCallbacks()
    {
        using var a = NDArray.Arange(100000);
        await a.WaitToReadAsync();
        float[] v = await a.ToArrayAsync<float>();
        Assert.That(v[99999], Is.EqualTo(99999f));
        int[] i = await a.ToArrayAsync<int>();
        Assert.That(i[5], Is.EqualTo(5));
    }

    [Test]
    public void DisposedArraysFailClearly()
    {
        var a = NDArray.Zeros(3);
        a.Dispose();
        a.Dispose();  // idempotent
        Assert.Throws<ObjectDisposedException>(() => a.ToArray<float>());
        Assert.That(a.ToString(), Is.EqualTo("<NDArray disposed>"));
    }
}
