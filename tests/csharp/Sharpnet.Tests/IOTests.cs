using NUnit.Framework;
using Sharpnet.IO;

namespace Sharpnet.Tests;

public class IOTests
{
    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"sharpnet-idx-{Guid.NewGuid():N}.idx");

    [Test]
    public void IdxRoundTripsEveryElementTypeAndReadsTheBigEndianLayout()
    {
        using var scope = NDArray.NewScope();
        string path = TempFile();
        try
        {
            // A hand-written MNIST-style label file: magic 0x00000801, 3 items.
            File.WriteAllBytes(path, new byte[] { 0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 255 });
            var labels = Idx.Read(path);
            Assert.That((labels.DType, labels.Shape), Is.EqualTo((DType.UInt8, new Shape(3))));
            Assert.That(labels.ToArray<byte>(), Is.EqualTo(new byte[] { 7, 2, 255 }));
            // int32 big-endian: 0x00000102 = 258.
            File.WriteAllBytes(path, new byte[] { 0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 2 });
            Assert.That(Idx.Read(path).ToArray<int>(), Is.EqualTo(new[] { 258 }));

            foreach (var a in new[] {
                NDArray.Array<byte>(new byte[] { 0, 1, 2, 250, 4, 5 }, new Shape(2, 3), DType.UInt8),
                NDArray.Array<float>(new[] { 1.5f, -2f, 3.25f, float.MaxValue }, new Shape(2, 1, 2)),
                NDArray.Array<int>(new[] { -5, 1 << 30 }, new Shape(2), DType.Int32),
                NDArray.Array<double>(new[] { Math.PI }, new Shape(1), DType.Float64),
            })
            {
                Idx.Write(path, a);
                var b = Idx.Read(path);
                Assert.That((b.DType, b.Shape), Is.EqualTo((a.DType, a.Shape)));
                Assert.That(b.ToString(), Is.EqualTo(a.ToString()));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void MalformedIdxIsAClearFormatError()
    {
        SharpnetException Fails(byte[] bytes) => Assert.Throws<SharpnetException>(() => Idx.Parse(bytes, "t.idx"))!;
        Assert.That(Fails(new byte[] { 0, 0 }).Message, Does.Contain("expected a 4-byte header, got 2 byte(s)"));
        Assert.That(Fails(new byte[] { 1, 0, 8, 1 }).Message, Does.Contain("two zero bytes, got 0x01 0x00"));
        Assert.That(Fails(new byte[] { 0, 0, 0x07, 1 }).Message, Does.Contain("element type code"));
        Assert.That(Fails(new byte[] { 0, 0, 0x08, 2, 0, 0, 0, 2 }).Message, Does.Contain("expected 2 dimension sizes"));
        var truncated = Fails(new byte[] { 0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2 });
        Assert.That(truncated.ErrorCode, Is.EqualTo(ErrorCode.Format));
        Assert.That(truncated.Message, Does.Contain("'t.idx'").And.Contain("needs 13 bytes, the file has 10"));
        Assert.That(Fails(new byte[] { 0, 0, 0x08, 1, 0xFF, 0xFF, 0xFF, 0xFF }).Message, Does.Contain("dimension 0 is negative"));
        // Dimensions whose product overflows 64 bits: a size mismatch, not an OverflowException.
        byte[] huge = { 0, 0, 0x0E, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF };
        Assert.That(Fails(huge).Message, Does.Contain("the file has 16"));
        var missing = Assert.Throws<SharpnetException>(() => Idx.Read("/nonexistent/sharpnet.idx"))!;
        Assert.That(missing.ErrorCode, Is.EqualTo(ErrorCode.IO));
    }

    private static float[] Firsts(DataBatch b) => b.Data[0].ToArray<float>().Where((_, i) => i % 2 == 0).ToArray();

    [Test]
    public void NDArrayIterBatchesPadsDiscardsAndRollsOver()
    {
        using var scope = NDArray.NewScope();
        // 5 samples of 2 features: sample i is (i, -i); labels i.
        var x = NDArray.Array<float>(Enumerable.Range(0, 5).SelectMany(i => new[] { (float)i, -i }).ToArray(), new Shape(5, 2));
        var y = NDArray.Array<float>(Enumerable.Range(0, 5).Select(i => (float)i).ToArray(), new Shape(5));
        var it = new NDArrayIter(data: ("data", x), label: ("softmax_label", y), batchSize: 2);
        Assert.That(it.ProvideData, Is.EqualTo(new[] { new DataDesc("data", new Shape(2, 2)) }));
        Assert.That(it.ProvideLabel, Is.EqualTo(new[] { new DataDesc("softmax_label", new Shape(2)) }));
        var batches = it.ToList();
        Assert.That(batches.Select(Firsts), Is.EqualTo(new[] { new[] { 0f, 1f }, new[] { 2f, 3f }, new[] { 4f, 0f } }));
        Assert.That(batches.Select(b => b.Pad), Is.EqualTo(new[] { 0, 0, 1 }));
        Assert.That(batches[2].Label[0].ToArray<float>(), Is.EqualTo(new[] { 4f, 0f }));

        var discard = new NDArrayIter(x, y, batchSize: 2, lastBatchHandle: LastBatch.Discard);
        Assert.That(discard.Count(), Is.EqualTo(2));

        var roll = new NDArrayIter(x, y, batchSize: 2, lastBatchHandle: LastBatch.RollOver);
        Assert.That(roll.Select(Firsts), Is.EqualTo(new[] { new[] { 0f, 1f }, new[] { 2f, 3f } }));
        // The left-over sample 4 starts the next epoch.
        Assert.That(roll.Select(Firsts), Is.EqualTo(new[] { new[] { 4f, 0f }, new[] { 1f, 2f }, new[] { 3f, 4f } }));
    }

    [Test]
    public void ShuffledEpochsArePermutationsThatDifferAndRepeatWithTheSeed()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array<float>(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), new Shape(12, 1));
        List<int> Epoch(NDArrayIter it) => it.SelectMany(b => b.Index).ToList();
        var a = new NDArrayIter(x, batchSize: 4, shuffle: true, seed: 3);
        var e1 = Epoch(a);
        var e2 = Epoch(a);
        Assert.That(e1.Order(), Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(e2.Order(), Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(e1, Is.Not.EqualTo(e2), "each epoch draws a new order");
        Assert.That(Epoch(new NDArrayIter(x, batchSize: 4, shuffle: true, seed: 3)), Is.EqualTo(e1));
        // Each batch holds the samples its Index names.
        foreach (var b in new NDArrayIter(x, batchSize: 4, shuffle: true, seed: 5))
            Assert.That(b.Data[0].ToArray<float>(), Is.EqualTo(b.Index.Select(i => (float)i)));
    }

    [Test]
    public void NDArrayIterRejectsBadArguments()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Zeros((4, 2));
        Assert.That(Assert.Throws<ArgumentException>(() => new NDArrayIter(x, NDArray.Zeros(3)))!.Message,
                    Does.Contain("'softmax_label' has 3 samples but 'data' has 4"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NDArrayIter(x, batchSize: 0));
        Assert.That(Assert.Throws<ArgumentException>(() => new NDArrayIter(NDArray.Zeros((0, 2))))!.Message,
                    Does.Contain("'data' has no samples"));
    }
}
