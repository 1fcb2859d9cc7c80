using NUnit.Framework;

namespace Sharpnet.Tests;

public class NDArrayFileTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sharpnet-files-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void LoadsMXNetsOwnLegacyFile()
    {
        var list = NDArray.LoadList(TestPaths.Fixture("legacy_ndarray.v0"));
        Assert.That(list, Has.Count.EqualTo(6));
        foreach (var a in list)
        {
            Assert.That(a.Shape, Is.EqualTo((Shape)128));
            Assert.That(a.ToArray<float>(), Is.EqualTo(Enumerable.Range(0, 128).Select(i => (float)i).ToArray()));
            a.Dispose();
        }
        var e = Assert.Throws<SharpnetException>(() => NDArray.LoadDict(TestPaths.Fixture("legacy_ndarray.v0")))!;
        Assert.That(e.Message, Does.Contain("holds an unnamed list of arrays; use LoadList"));
    }

    [Test]
    public void NamedAndUnnamedRoundTripsOfEveryDType()
    {
        var arrays = Enum.GetValues<DType>().ToDictionary(d => "arg:" + d.MXNetName(), d => NDArray.Arange(6, dtype: d).Reshape((2, 3)));
        string named = Path.Combine(_dir, "x.params");
        NDArray.Save(named, arrays);
        var back = NDArray.LoadDict(named);
        Assert.That(back.Keys, Is.EquivalentTo(arrays.Keys));
        foreach (var (name, a) in arrays)
        {
            Assert.That(back[name].DType, Is.EqualTo(a.DType));
            Assert.That(back[name].Shape, Is.EqualTo(a.Shape));
            Assert.That(back[name].ToArray<double>(), Is.EqualTo(a.ToArray<double>()));
        }
        string unnamed = Path.Combine(_dir, "x.nd");
        NDArray.Save(unnamed, arrays.Values);
        var list = NDArray.LoadList(unnamed);
        Assert.That(list.Select(a => a.DType), Is.EqualTo(arrays.Values.Select(a => a.DType)));
        foreach (var a in arrays.Values.Concat(back.Values).Concat(list)) a.Dispose();
    }

    [Test]
    public void MissingAndCorruptFilesAreClearErrors()
    {
        var e = Assert.Throws<SharpnetException>(() => NDArray.LoadList(Path.Combine(_dir, "missing.params")))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.IO));
        Assert.That(e.Message, Does.Contain("cannot open"));
        string bad = Path.Combine(_dir, "bad.params");
        File.WriteAllBytes(bad, new byte[] { 1, 2, 3 });
        e = Assert.Throws<SharpnetException>(() => NDArray.LoadList(bad))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Format));
        Assert.That(e.Message, Does.Contain("truncated"));
        byte[] good = File.ReadAllBytes(TestPaths.Fixture("legacy_ndarray.v0"));
        File.WriteAllBytes(bad, good[..1000]);
        e = Assert.Throws<SharpnetException>(() => NDArray.LoadList(bad))!;
        Assert.That(e.Message, Does.Contain("needs more data than the input holds"));
    }

    [Test]
    public void SavingIntoAMissingFolderLeavesNothingBehind()
    {
        using var a = NDArray.Zeros(2);
        var e = Assert.Throws<SharpnetException>(() => NDArray.Save(Path.Combine(_dir, "nope", "x.nd"), new[] { a }))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.IO));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
