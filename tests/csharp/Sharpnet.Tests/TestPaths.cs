namespace Sharpnet.Tests;

internal static class TestPaths
{
    /// <summary>The repository root: the folder holding global.json above the test assembly.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "global.json"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("no global.json above " + AppContext.BaseDirectory);
        }
    }

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "mxnet", name);
}
