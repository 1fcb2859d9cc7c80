using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharpnet.Bindgen.Config;

/// <summary>interop.json: the names and decisions the header cannot carry itself.</summary>
internal sealed record BindgenConfig
{
    /// <summary>The native library name given to LibraryImport ("sharpnet").</summary>
    public required string LibraryName { get; init; }

    /// <summary>Namespace of the imports class, the SafeHandles and the structs.</summary>
    public required string Namespace { get; init; }

    /// <summary>Name of the static class holding the imports ("Native").</summary>
    public required string ClassName { get; init; }

    /// <summary>Prefix of every function and handle typedef ("sn_").</summary>
    public required string FunctionPrefix { get; init; }

    public required StatusConfig Status { get; init; }

    /// <summary>Functions allowed not to return the status type.</summary>
    public IReadOnlyList<string> ExemptFromStatus { get; init; } = [];

    /// <summary>Lowercase word to its C# spelling ("ndarray" → "NDArray").</summary>
    public IReadOnlyDictionary<string, string> WordMap { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// A custom LibraryImport marshaller for <c>const char*</c> text (fully qualified), e.g. one that refuses NUL
    /// characters, which UTF-8 marshalling would pass on and C would read as the end of the text; null: plain UTF-8.
    /// </summary>
    public string? StringMarshaller { get; init; }

    /// <summary>Every named enum of the header, by C name.</summary>
    public required IReadOnlyDictionary<string, EnumConfig> Enums { get; init; }

    internal static BindgenConfig Load(string path)
    {
        BindgenConfig config;
        try
        {
            using FileStream stream = File.OpenRead(path);
            config = JsonSerializer.Deserialize(stream, ConfigJsonContext.Default.BindgenConfig)
                ?? throw new BindgenException($"{path}: the configuration is null");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new BindgenException($"{path}: {e.Message}");
        }

        ConfigValidator.Validate(config, path);
        return config;
    }
}

/// <summary>The status enum every function returns, and its success member.</summary>
internal sealed record StatusConfig
{
    public required string Type { get; init; }

    public required string Ok { get; init; }
}

/// <summary>How one C enum appears in C#.</summary>
internal sealed record EnumConfig
{
    public required string Name { get; init; }

    /// <summary>Defaults to the configuration's namespace.</summary>
    public string? Namespace { get; init; }

    public bool Public { get; init; }

    /// <summary>The first of these that a member name starts with is removed.</summary>
    public IReadOnlyList<string> StripPrefixes { get; init; } = [];
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(BindgenConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
