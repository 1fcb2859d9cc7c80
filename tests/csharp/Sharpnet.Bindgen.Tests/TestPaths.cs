namespace Sharpnet.Bindgen.Tests;

/// <summary>Locations in the source tree: fixtures are read (and re-blessed) there, not in the build output.</summary>
internal static class TestPaths
{
    internal static string RepoRoot { get; } = FindRepoRoot();

    internal static string Fixtures => Path.Combine(RepoRoot, "tests", "csharp", "Sharpnet.Bindgen.Tests", "Fixtures");

    internal static string SampleHeader => Path.Combine(Fixtures, "sample_api.h");

    internal static string SampleConfig => Path.Combine(Fixtures, "sample.json");

    internal static string SampleExpected => Path.Combine(Fixtures, "sample_api.expected.cs");

    internal static string RealHeader => Path.Combine(RepoRoot, "native", "include", "sharpnet", "c_api.h");

    internal static string RealConfig => Path.Combine(RepoRoot, "bindings", "csharp", "Sharpnet.Bindgen", "interop.json");

    internal static string RealOutput => Path.Combine(RepoRoot, "bindings", "csharp", "Sharpnet", "Interop", "Native.g.cs");

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "global.json")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no global.json above {AppContext.BaseDirectory}");
    }
}
