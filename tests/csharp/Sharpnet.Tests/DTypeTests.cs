using NUnit.Framework;

namespace Sharpnet.Tests;

public class DTypeTests
{
    [Test]
    public void ValuesAreMXNetFlags()
    {
        Assert.That((int)DType.Float32, Is.EqualTo(0));
        Assert.That((int)DType.Float16, Is.EqualTo(2));
        Assert.That((int)DType.UInt8, Is.EqualTo(3));
        Assert.That((int)DType.Bool, Is.EqualTo(7));
        Assert.That((int)DType.BFloat16, Is.EqualTo(12));
    }

    [Test]
    public void NamesSizesAndParsing()
    {
        foreach (DType d in Enum.GetValues<DType>())
            Assert.That(DTypeExtensions.ParseDType(d.MXNetName()), Is.EqualTo(d));
        Assert.That(DType.BFloat16.MXNetName(), Is.EqualTo("bfloat16"));
        Assert.That(DType.Int64.SizeInBytes(), Is.EqualTo(8));
        Assert.That(DType.Float16.IsFloatingPoint(), Is.True);
        Assert.That(DType.Int8.IsFloatingPoint(), Is.False);
        var e = Assert.Throws<ArgumentException>(() => DTypeExtensions.ParseDType("float"))!;
        Assert.That(e.Message, Does.Contain("unknown dtype 'float'; expected one of float32"));
    }
}
