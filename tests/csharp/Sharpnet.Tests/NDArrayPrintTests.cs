using NUnit.Framework;

namespace Sharpnet.Tests;

// Expected strings are NumPy's str() of the same values, with MXNet's footer (Note [Print format]).
public class NDArrayPrintTests
{
    private static string Print(Array data, DType dtype = DType.Float32)
    {
        using var a = NDArray.Array(data, dtype);
        return a.ToString();
    }

    [Test]
    public void ApiMdExample() =>
        Assert.That(Print(new float[,] { { 1, 2 }, { 3, 4 } }), Is.EqualTo("[[1. 2.]\n [3. 4.]]\n<NDArray 2x2 @cpu(0)>"));

    [Test]
    public void FloatsAlignOnThePoint()
    {
        Assert.That(Print(new float[] { 0.1f, 0.25f }), Does.StartWith("[0.1  0.25]\n"));
        Assert.That(Print(new float[] { 1.5f, -2.25f }), Does.StartWith("[ 1.5  -2.25]\n"));
        Assert.That(Print(new double[] { 1.0 / 3 }, DType.Float64), Does.StartWith("[0.33333333]\n"));
        Assert.That(Print(new float[] { 1.0f / 3 }), Does.StartWith("[0.33333334]\n"));
    }

    [Test]
    public void ScientificWhenTheRangeIsWide()
    {
        Assert.That(Print(new float[] { 1e-5f, 1f }), Does.StartWith("[1.e-05 1.e+00]\n"));
        Assert.That(Print(new float[] { 1.5e-5f, 1f }), Does.StartWith("[1.5e-05 1.0e+00]\n"));
        Assert.That(Print(new float[] { 1e8f }), Does.StartWith("[1.e+08]\n"));
    }

    [Test]
    public void NonFiniteIntegersAndBools()
    {
        Assert.That(Print(new float[] { float.NaN, 1f }), Does.StartWith("[nan  1.]\n"));
        Assert.That(Print(new float[] { float.NegativeInfinity, 2.5f }), Does.StartWith("[-inf  2.5]\n"));
        Assert.That(Print(new int[] { 0, 1, -20 }, DType.Int32), Does.StartWith("[  0   1 -20]\n"));
        Assert.That(Print(new bool[] { true, false }, DType.Bool), Does.StartWith("[ True False]\n"));
    }

    [Test]
    public void LongRowsWrapAt75Columns()
    {
        using var a = NDArray.Arange(30);
        Assert.That(a.ToString(), Is.EqualTo(
            "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n" +
            " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]\n<NDArray 30 @cpu(0)>"));
    }

    [Test]
    public void LargeArraysAreSummarised()
    {
        using var a = NDArray.Arange(2000);
        Assert.That(a.ToString(), Is.EqualTo(
            "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]\n<NDArray 2000 @cpu(0)>"));
        using var m = NDArray.Arange(10000).Reshape((100, 100));
        string text = m.ToString();
        Assert.That(text, Does.StartWith("[[0.000e+00 1.000e+00 2.000e+00 ... 9.700e+01 9.800e+01 9.900e+01]\n"));
        Assert.That(text, Does.Contain("\n ...\n"));
        Assert.That(text, Does.EndWith("9.999e+03]]\n<NDArray 100x100 @cpu(0)>"));
    }

    [Test]
    public void ThreeDimensionsSeparateBlocksWithBlankLines()
    {
        using var a = NDArray.Arange(8).Reshape((2, 2, 2));
        Assert.That(a.ToString(), Is.EqualTo("[[[0. 1.]\n  [2. 3.]]\n\n [[4. 5.]\n  [6. 7.]]]\n<NDArray 2x2x2 @cpu(0)>"));
    }
}
