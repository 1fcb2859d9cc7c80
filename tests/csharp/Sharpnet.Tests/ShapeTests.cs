using NUnit.Framework;

namespace Sharpnet.Tests;

public class ShapeTests
{
    [Test]
    public void ConvertsFromIntsTuplesAndArrays()
    {
        Shape a = 7;
        Shape b = (2L, 3L);
        Shape c = new long[] { 1, 2, 3 };
        Assert.That(a.NDim, Is.EqualTo(1));
        Assert.That(b, Is.EqualTo(new Shape(2, 3)));
        Assert.That(c[-1], Is.EqualTo(3));
        Assert.That(Shape.Empty.ToString(), Is.EqualTo("()"));
        Assert.That(Shape.Empty.Size, Is.EqualTo(1));
    }

    [Test]
    public void SizesAre64Bit()
    {
        Shape big = (1 << 20, 1 << 20, 4);
        Assert.That(big.Size, Is.EqualTo(1L << 42));
        Assert.Throws<OverflowException>(() => _ = new Shape(1L << 40, 1L << 40).Size);
        Assert.Throws<InvalidOperationException>(() => _ = new Shape(0, -1).Size);
    }

    [Test]
    public void IsAnImmutableValue()
    {
        long[] dims = { 2, 3 };
        var s = new Shape(dims);
        dims[0] = 99;
        Assert.That(s[0], Is.EqualTo(2));
        Assert.That(s == (2, 3), Is.True);
        Assert.That(s != (3, 2), Is.True);
        Assert.That(s.GetHashCode(), Is.EqualTo(((Shape)(2, 3)).GetHashCode()));
        Assert.That(s.ToArray(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(s, Is.EquivalentTo(new long[] { 2, 3 }));
    }

    [Test]
    public void BadIndicesAndRanksAreArgumentErrors()
    {
        Shape s = (4, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = s[2])!;
        Assert.That(e.Message, Does.Contain("axis 2 is out of range for shape (4, 5) (2 dims)"));
        Assert.Throws<ArgumentException>(() => _ = new Shape(new long[33]));
    }
}
