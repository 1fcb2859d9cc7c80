using NUnit.Framework;
using Sharpnet.Interop;

namespace Sharpnet.Tests;

public class LibraryTests
{
    [Test]
    public void LoadsAndReportsMatchingVersions()
    {
        SharpnetLibrary.EnsureLoaded();
        Assert.That(SharpnetLibrary.Version, Is.EqualTo("0.1.0"));
        Assert.That(SharpnetLibrary.AbiVersion, Is.EqualTo((Native.AbiVersionMajor, Native.AbiVersionMinor)));
        Assert.That(SharpnetLibrary.ManagedVersion, Does.StartWith("0.1.0"));
    }

    [Test]
    public void BuildInfoDescribesTheNativeBuild()
    {
        string info = SharpnetLibrary.BuildInfo;
        Assert.That(info, Does.Contain("sharpnet 0.1.0"));
        Assert.That(info, Does.Contain("onednn 2."));
        Assert.That(info, Does.Contain("cpu_path "));
    }

    [Test]
    public void FeaturesOfACpuBuild()
    {
        Assert.That(SharpnetLibrary.HasFeature("DNNL"), Is.True);
        Assert.That(SharpnetLibrary.HasFeature("CUDA"), Is.False);
        Assert.That(SharpnetLibrary.HasFeature("AVX2"), Is.True);  // the x86-64-v3 baseline
        var e = Assert.Throws<SharpnetException>(() => SharpnetLibrary.HasFeature("cuda"))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        Assert.That(e.Message, Does.Contain("unknown feature 'cuda'; expected one of CUDA, CUDNN"));
        Assert.Throws<ArgumentNullException>(() => SharpnetLibrary.HasFeature(null!));
    }

    [Test]
    public void NativeErrorMessagesArePerThread()
    {
        var e = Assert.Throws<SharpnetException>(() => SharpnetLibrary.HasFeature("A"))!;
        string? other = null;
        var t = new Thread(() =>
        {
            var e2 = Assert.Throws<SharpnetException>(() => SharpnetLibrary.HasFeature("B"))!;
            other = e2.Message;
        });
        t.Start();
        t.Join();
        Assert.That(e.Message, Does.Contain("'A'"));
        Assert.That(other, Does.Contain("'B'"));
    }

    [TestCase(1, 0, 1, 0, true)]
    [TestCase(1, 0, 1, 3, true)]    // a newer native minor adds functions: fine
    [TestCase(1, 2, 1, 1, false)]   // the binding needs functions the native library lacks
    [TestCase(1, 0, 2, 0, false)]   // another major
    [TestCase(2, 0, 1, 9, false)]
    public void AbiRuleIsSameMajorAndAtLeastTheMinor(int wantMajor, int wantMinor, int haveMajor, int haveMinor, bool ok)
    {
        string? message = AbiCompatibility.Check(wantMajor, wantMinor, haveMajor, haveMinor, "9.9.9", "0.1.0");
        Assert.That(message is null, Is.EqualTo(ok));
    }

    [Test]
    public void VersionMismatchMessageSaysWhatToDo()
    {
        string? message = AbiCompatibility.Check(1, 2, 1, 1, "0.0.9", "0.1.0");
        Assert.That(message, Is.EqualTo(
            "Sharpnet 0.1.0 needs a native library with ABI 1.2 (or a later 1.x), but the loaded native library " +
            "(Sharpnet 0.0.9) implements ABI 1.1. Use the Sharpnet.Runtime package of the same version as the Sharpnet package."));
    }
}
