using Sharpnet.Bindgen.Config;

namespace Sharpnet.Bindgen.Tests;

/// <summary>A throwaway header with the annotation macros and a status enum, plus a configuration that fits it.</summary>
internal sealed class ScratchHeader : IDisposable
{
    private const string Prelude = """
        #include <stdint.h>
        #define SN_ANNOTATE(text) __attribute__((annotate(text)))
        #define SN_OUT SN_ANNOTATE("sn:out")
        #define SN_NULLABLE SN_ANNOTATE("sn:nullable")
        #define SN_BORROWED SN_ANNOTATE("sn:borrowed")
        #define SN_CALLER_FREES(free_fn) SN_ANNOTATE("sn:caller_frees:" #free_fn)
        #define SN_LENGTH_OF(param) SN_ANNOTATE("sn:length_of:" #param)
        typedef enum sn_status { SN_OK = 0, SN_ERR_INVALID_ARGUMENT = 1 } sn_status;

        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("sharpnet-bindgen-").FullName;

    /// <param name="body">Declarations after the prelude, whose first line is line 9 of the header.</param>
    internal ScratchHeader(string body)
    {
        Path = System.IO.Path.Combine(_folder, "scratch_api.h");
        File.WriteAllText(Path, Prelude + body);
    }

    internal string Path { get; }

    internal static BindgenConfig Config(params (string CName, EnumConfig Config)[] extraEnums)
    {
        var enums = new Dictionary<string, EnumConfig>
        {
            ["sn_status"] = new() { Name = "ErrorCode", StripPrefixes = ["SN_ERR_", "SN_"] },
        };
        foreach ((string cName, EnumConfig config) in extraEnums)
        {
            enums[cName] = config;
        }

        return new BindgenConfig
        {
            LibraryName = "scratch",
            Namespace = "Scratch.Interop",
            ClassName = "Native",
            FunctionPrefix = "sn_",
            Status = new StatusConfig { Type = "sn_status", Ok = "SN_OK" },
            Enums = enums,
        };
    }

    internal string Generate() => InteropGenerator.Generate(Path, Config());

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
