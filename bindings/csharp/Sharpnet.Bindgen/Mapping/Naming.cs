using Sharpnet.Bindgen.Config;

namespace Sharpnet.Bindgen.Mapping;

/// <summary>C snake_case names to .NET names, through the configured word map.</summary>
internal sealed class Naming(BindgenConfig config)
{
    private const string HandleSuffix = "_t";

    /// <summary>"sn_foo_bar_t" → "foo_bar".</summary>
    internal string HandleStem(string handleCName) =>
        StripPrefix(handleCName)[..^HandleSuffix.Length];

    internal bool IsHandleName(string cName) =>
        cName.StartsWith(config.FunctionPrefix, StringComparison.Ordinal)
        && cName.EndsWith(HandleSuffix, StringComparison.Ordinal)
        && cName.Length > config.FunctionPrefix.Length + HandleSuffix.Length;

    /// <summary>"sn_foo_bar_t" → "FooBarHandle".</summary>
    internal string HandleClass(string handleCName) => Pascal(HandleStem(handleCName)) + "Handle";

    /// <summary>"sn_foo_bar_t" → "sn_foo_bar_free".</summary>
    internal string FreeFunction(string handleCName) => config.FunctionPrefix + HandleStem(handleCName) + "_free";

    /// <summary>"sn_tensor_desc" → "TensorDesc".</summary>
    internal string Struct(string cName) => Pascal(StripPrefix(cName));

    internal string Field(string cName) => Pascal(cName);

    /// <summary>"SN_ABI_VERSION_MAJOR" → "AbiVersionMajor".</summary>
    internal string Constant(string cName)
    {
        string prefix = config.FunctionPrefix.ToUpperInvariant();
        return Pascal(cName.StartsWith(prefix, StringComparison.Ordinal) ? cName[prefix.Length..] : cName);
    }

    /// <summary>"SN_ERR_INVALID_ARGUMENT" with prefixes [SN_ERR_, SN_] → "InvalidArgument".</summary>
    internal string EnumMember(string enumCName, EnumConfig enumConfig, string memberCName)
    {
        if (enumConfig.StripPrefixes.Count == 0)
        {
            return Pascal(memberCName);
        }

        string prefix = enumConfig.StripPrefixes.FirstOrDefault(p => memberCName.StartsWith(p, StringComparison.Ordinal) && memberCName.Length > p.Length)
            ?? throw new BindgenException(
                $"enum {enumCName}: member {memberCName} starts with none of stripPrefixes [{string.Join(", ", enumConfig.StripPrefixes)}] in the configuration");
        return Pascal(memberCName[prefix.Length..]);
    }

    /// <summary>Splits on '_' and spells each word via the word map, else capitalized.</summary>
    internal string Pascal(string snakeCase)
    {
        string name = string.Concat(snakeCase.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(Word));
        return CSharpNames.IsIdentifier(name)
            ? name
            : throw new BindgenException($"'{snakeCase}' becomes '{name}', which is not a C# identifier; add its words to wordMap in the configuration");
    }

    private string Word(string word)
    {
        string lower = word.ToLowerInvariant();
        return config.WordMap.TryGetValue(lower, out string? mapped) ? mapped : char.ToUpperInvariant(lower[0]) + lower[1..];
    }

    private string StripPrefix(string cName) =>
        cName.StartsWith(config.FunctionPrefix, StringComparison.Ordinal) ? cName[config.FunctionPrefix.Length..] : cName;
}
