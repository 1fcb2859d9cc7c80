using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sharpnet.Bindgen.Config;

namespace Sharpnet.Bindgen.Tests;

/// <summary>
/// Compiles generated code in memory the way the managed library will: unsafe, nullable, runtime
/// marshalling disabled, documentation diagnostics on, every warning an error. The SDK's own
/// LibraryImport source generator (from the targeting pack) runs first, so this verifies the
/// marshalling stubs too; what it cannot verify is the native side (entry points exist, signatures match).
/// </summary>
[TestFixture]
public class GeneratedCodeCompilesTests
{
    private const string HandWrittenPart = "[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]";

    [Test]
    public void Generate_SampleHeader_CompilesWithoutDiagnostics()
    {
        string generated = InteropGenerator.Generate(TestPaths.SampleHeader, BindgenConfig.Load(TestPaths.SampleConfig));

        AssertCompiles(generated);
    }

    [Test]
    public void Generate_RealHeader_CompilesWithoutDiagnostics()
    {
        string generated = InteropGenerator.Generate(TestPaths.RealHeader, BindgenConfig.Load(TestPaths.RealConfig));

        // The configured string marshaller is hand-written in the library; compile it alongside.
        AssertCompiles(generated, File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "bindings", "csharp", "Sharpnet", "Interop",
                                                                "StrictUtf8StringMarshaller.cs")));
    }

    private static void AssertCompiles(string source, params string[] extra)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var compilation = CSharpCompilation.Create(
            "Generated",
            [CSharpSyntaxTree.ParseText(source, parseOptions, "Native.g.cs"), CSharpSyntaxTree.ParseText(HandWrittenPart, parseOptions, "Assembly.cs"),
             .. extra.Select((text, i) => CSharpSyntaxTree.ParseText(text, parseOptions, $"Extra{i}.cs"))],
            RuntimeReferences(),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error));

        GeneratorDriver driver = CSharpGeneratorDriver.Create([LibraryImportGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var generatorDiagnostics);
        Assert.That(output.SyntaxTrees.Count(), Is.GreaterThan(2), "the LibraryImport generator produced no stubs");

        string[] problems = generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToArray();
        Assert.That(problems, Is.Empty);
    }

    private static IEnumerable<MetadataReference> RuntimeReferences()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => path.StartsWith(runtimeDirectory, StringComparison.Ordinal))
            .Select(path => MetadataReference.CreateFromFile(path));
    }

    /// <summary>The generator the SDK runs for [LibraryImport], from the targeting pack next to this runtime.</summary>
    private static IIncrementalGenerator LibraryImportGenerator()
    {
        // <dotnet>/shared/Microsoft.NETCore.App/<version>/ → <dotnet>/packs/Microsoft.NETCore.App.Ref/<version>/analyzers/dotnet/cs
        string dotnetRoot = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        string? path = Directory.Exists(packs)
            ? Directory.GetDirectories(packs, $"{Environment.Version.Major}.*")
                .OrderByDescending(folder => Version.TryParse(Path.GetFileName(folder), out Version? version) ? version : new Version())
                .Select(folder => Path.Combine(folder, "analyzers", "dotnet", "cs", "Microsoft.Interop.LibraryImportGenerator.dll"))
                .FirstOrDefault(File.Exists)
            : null;
        Assert.That(path, Is.Not.Null, $"no Microsoft.Interop.LibraryImportGenerator.dll under {packs}");

        Type type = Assembly.LoadFrom(path!).GetType("Microsoft.Interop.LibraryImportGenerator", throwOnError: true)!;
        return (IIncrementalGenerator)Activator.CreateInstance(type)!;
    }
}
