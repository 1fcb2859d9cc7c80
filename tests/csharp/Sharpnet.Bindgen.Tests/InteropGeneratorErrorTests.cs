using Sharpnet.Bindgen.Config;

namespace Sharpnet.Bindgen.Tests;

/// <summary>The generator enforces the ABI conventions: each violation is an error that names the declaration.</summary>
[TestFixture]
public class InteropGeneratorErrorTests
{
    [Test]
    public void Generate_SyntaxError_ReportsClangDiagnostic()
    {
        using var header = new ScratchHeader("sn_status sn_broken(int32_t x\n");

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("clang reported errors"));
        Assert.That(error.Message, Does.Contain("scratch_api.h:9:"));
        Assert.That(error.Message, Does.Contain("error: expected"));
    }

    [Test]
    public void Generate_UnannotatedPointer_NamesFunctionParameterAndAnnotations()
    {
        using var header = new ScratchHeader("sn_status sn_fill(int32_t* p);\n");

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("sn_fill parameter 'p'"));
        Assert.That(error.Message, Does.Contain("SN_OUT"));
        Assert.That(error.Message, Does.Contain("SN_LENGTH_OF(p)"));
    }

    [Test]
    public void Generate_HandleWithoutFree_NamesTheMissingFunction()
    {
        using var header = new ScratchHeader("""
            typedef struct sn_graph* sn_graph_t;
            sn_status sn_graph_create(SN_OUT SN_CALLER_FREES(sn_graph_destroy) sn_graph_t* out);
            sn_status sn_graph_destroy(sn_graph_t graph);

            """);

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("handle sn_graph_t needs a free function: sn_status sn_graph_free(sn_graph_t handle);"));
    }

    [Test]
    public void Generate_EnumMissingFromConfig_AsksToAddIt()
    {
        using var header = new ScratchHeader("typedef enum sn_color { SN_COLOR_RED = 0 } sn_color;\n");

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("enum sn_color is not in the configuration"));
        Assert.That(error.Message, Does.Contain("interop.json"));
    }

    [Test]
    public void Generate_ConfiguredEnum_IsEmitted()
    {
        using var header = new ScratchHeader("typedef enum sn_color { SN_COLOR_RED = 0, SN_COLOR_DARK_BLUE = 2 } sn_color;\n");
        BindgenConfig config = ScratchHeader.Config(("sn_color", new EnumConfig { Name = "Color", StripPrefixes = ["SN_COLOR_"] }));

        string generated = InteropGenerator.Generate(header.Path, config);

        Assert.That(generated, Does.Contain("internal enum Color : int"));
        Assert.That(generated, Does.Contain("DarkBlue = 2,"));
    }

    [Test]
    public void Generate_FunctionNotReturningStatus_IsRejected()
    {
        using var header = new ScratchHeader("int32_t sn_count(void);\n");

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("sn_count returns int32_t; every function returns sn_status"));
    }

    [Test]
    public void Generate_FunctionWithoutPrefix_IsRejected()
    {
        using var header = new ScratchHeader("sn_status graph_count(SN_OUT int32_t* count);\n");

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain("graph_count: function names start with \"sn_\""));
    }

    [TestCase("sn_status sn_log(const char* format, ...);\n", "sn_log is variadic")]
    [TestCase("sn_status sn_count();\n", "sn_count has no prototype")]
    [TestCase("typedef union sn_value { int32_t i; float f; } sn_value;\n", "unions are not part of the ABI")]
    [TestCase("typedef struct sn_flags { uint32_t a : 3; } sn_flags;\n", "field 'a' of sn_flags is a bitfield")]
    [TestCase("sn_status sn_set(int x);\n", "sn_set parameter 'x' has type 'int'")]
    [TestCase("sn_status sn_get(SN_OUT const char** text);\n", "does not say who owns it")]
    [TestCase("typedef struct sn_a* sn_a_t;\nsn_status sn_a_free(sn_a_t a);\nsn_status sn_a_get(SN_OUT sn_a_t* a);\n", "add SN_CALLER_FREES(sn_a_free) or SN_BORROWED")]
    [TestCase("sn_status sn_put(const float* data, SN_LENGTH_OF(values) int32_t n);\n", "has no other parameter 'values'")]
    [TestCase("sn_status sn_put(SN_ANNOTATE(\"sn:maybe\") const float* data);\n", "unknown annotation \"sn:maybe\"")]
    [TestCase("sn_status sn_put(SN_OUT SN_NULLABLE int32_t* x);\n", "is SN_OUT and SN_NULLABLE")]
    [TestCase("sn_status sn_twice(void);\nsn_status sn_twice(void);\n", "sn_twice is declared twice")]
    public void Generate_OutsideTheAbi_IsRejected(string body, string expected)
    {
        using var header = new ScratchHeader(body);

        BindgenException error = Assert.Throws<BindgenException>(() => header.Generate())!;

        Assert.That(error.Message, Does.Contain(expected));
    }

    [Test]
    public void Load_UnknownConfigKey_IsRejected()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sharpnet-bindgen-").FullName, "bad.json");
        File.WriteAllText(path, File.ReadAllText(TestPaths.SampleConfig).Replace("\"className\"", "\"clasName\"", StringComparison.Ordinal));

        BindgenException error = Assert.Throws<BindgenException>(() => BindgenConfig.Load(path))!;

        Assert.That(error.Message, Does.Contain("clasName"));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
