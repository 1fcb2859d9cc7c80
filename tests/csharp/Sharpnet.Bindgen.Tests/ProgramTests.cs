namespace Sharpnet.Bindgen.Tests;

/// <summary>The command line and its exit codes: 0 ok, 1 stale, 2 error.</summary>
[TestFixture]
public class ProgramTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("sharpnet-bindgen-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Run_CheckAgainstGoldenFile_ExitsZero()
    {
        (int exitCode, string output, string error) = Interop(TestPaths.SampleHeader, TestPaths.SampleExpected, "--check");

        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("fresh:"));
    }

    [Test]
    public void Run_CheckAgainstStaleFile_ExitsOneAndShowsFirstDifference()
    {
        string stale = Path.Combine(_folder, "Native.g.cs");
        File.WriteAllText(stale, File.ReadAllText(TestPaths.SampleExpected).Replace("AbiVersionMinor = 5", "AbiVersionMinor = 4", StringComparison.Ordinal));

        (int exitCode, _, string error) = Interop(TestPaths.SampleHeader, stale, "--check");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain($"stale: {stale} differs from what the generator produces; run scripts/regen-interop.sh"));
        Assert.That(error, Does.Contain("file:      ").And.Contain("AbiVersionMinor = 4;"));
        Assert.That(error, Does.Contain("generated: ").And.Contain("AbiVersionMinor = 5;"));
    }

    [Test]
    public void Run_CheckAgainstMissingFile_ExitsOne()
    {
        (int exitCode, _, string error) = Interop(TestPaths.SampleHeader, Path.Combine(_folder, "missing.cs"), "--check");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(error, Does.Contain("does not exist"));
    }

    [Test]
    public void Run_Write_WritesOnceThenReportsUpToDate()
    {
        string path = Path.Combine(_folder, "Interop", "Native.g.cs");

        (int first, string firstOutput, _) = Interop(TestPaths.SampleHeader, path);
        DateTime written = File.GetLastWriteTimeUtc(path);
        (int second, string secondOutput, _) = Interop(TestPaths.SampleHeader, path);

        Assert.That((first, second), Is.EqualTo((0, 0)));
        Assert.That(firstOutput, Does.Contain("wrote"));
        Assert.That(secondOutput, Does.Contain("up to date"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(File.ReadAllBytes(TestPaths.SampleExpected)));
        Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(written));
    }

    [Test]
    public void Run_HeaderWithSyntaxError_ExitsTwoWithDiagnostic()
    {
        using var header = new ScratchHeader("sn_status sn_broken(int32_t x\n");

        (int exitCode, _, string error) = Interop(header.Path, Path.Combine(_folder, "out.cs"));

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("error: expected"));
        Assert.That(File.Exists(Path.Combine(_folder, "out.cs")), Is.False);
    }

    [Test]
    public void Run_MissingRequiredOption_ExitsTwo()
    {
        var error = new StringWriter();

        int exitCode = Program.Run(["interop", "--header", TestPaths.SampleHeader], new StringWriter(), error);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("--config"));
    }

    [Test]
    public void Run_NoSubcommand_ExitsTwo()
    {
        int exitCode = Program.Run([], new StringWriter(), new StringWriter());

        Assert.That(exitCode, Is.EqualTo(2));
    }

    [Test]
    public void Run_MissingConfigFile_ExitsTwo()
    {
        var error = new StringWriter();

        int exitCode = Program.Run(
            ["interop", "--header", TestPaths.SampleHeader, "--config", Path.Combine(_folder, "none.json"), "--out", Path.Combine(_folder, "out.cs")],
            new StringWriter(),
            error);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("none.json"));
    }

    [Test]
    public void Ops_CheckAgainstCheckedInWrappers_ExitsZero()
    {
        (int exitCode, string output, string error) = Ops(RealWrapper("ND.g.cs"), RealWrapper("Sym.g.cs"), "--check");

        Assert.That(exitCode, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("fresh:").And.Contain("ND.g.cs").And.Contain("Sym.g.cs"));
    }

    [Test]
    public void Ops_StaleSymWrappers_ExitOneNamingThatFile()
    {
        string stale = Path.Combine(_folder, "Sym.g.cs");
        File.WriteAllText(stale, File.ReadAllText(RealWrapper("Sym.g.cs")).Replace("\"convolution\"", "\"conv\"", StringComparison.Ordinal));

        (int exitCode, string output, string error) = Ops(RealWrapper("ND.g.cs"), stale, "--check");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("fresh:").And.Contain("ND.g.cs"));
        Assert.That(error, Does.Contain($"stale: {stale}"));
        Assert.That(error, Does.Contain("generated: ").And.Contain("\"convolution\""));
    }

    [Test]
    public void Ops_Write_WritesBothFiles()
    {
        string nd = Path.Combine(_folder, "ND.g.cs"), sym = Path.Combine(_folder, "Sym.g.cs");

        (int exitCode, string output, _) = Ops(nd, sym);

        Assert.That(exitCode, Is.EqualTo(0));
        Assert.That(output, Does.Contain($"wrote {nd}").And.Contain($"wrote {sym}"));
        Assert.That(File.ReadAllBytes(sym), Is.EqualTo(File.ReadAllBytes(RealWrapper("Sym.g.cs"))));
    }

    [Test]
    public void Ops_MissingSymOut_ExitsTwo()
    {
        var error = new StringWriter();

        int exitCode = Program.Run(["ops", "--out", Path.Combine(_folder, "ND.g.cs")], new StringWriter(), error);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("--sym-out"));
    }

    private static string RealWrapper(string name) => Path.Combine(TestPaths.RepoRoot, "bindings", "csharp", "Sharpnet", name);

    private static (int ExitCode, string Output, string Error) Ops(string nd, string sym, params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = Program.Run(["ops", "--out", nd, "--sym-out", sym, .. extra], stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    private static (int ExitCode, string Output, string Error) Interop(string header, string output, params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = Program.Run(
            ["interop", "--header", header, "--config", TestPaths.SampleConfig, "--out", output, .. extra],
            stdout,
            stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
