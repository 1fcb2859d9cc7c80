using Sharpnet.Bindgen.Mapping;

namespace Sharpnet.Bindgen.Config;

/// <summary>Checks what JSON deserialization cannot: names are C# identifiers, keys are consistent.</summary>
internal static class ConfigValidator
{
    internal static void Validate(BindgenConfig config, string path)
    {
        var errors = new List<string>();
        Require(config.LibraryName.Length > 0, "libraryName is empty", errors);
        Require(CSharpNames.IsNamespace(config.Namespace), $"namespace \"{config.Namespace}\" is not a C# namespace", errors);
        Require(CSharpNames.IsIdentifier(config.ClassName), $"className \"{config.ClassName}\" is not a C# identifier", errors);
        Require(config.FunctionPrefix.Length > 0, "functionPrefix is empty", errors);
        Require(
            config.Enums.ContainsKey(config.Status.Type),
            $"status.type \"{config.Status.Type}\" is not in enums; the status enum needs a C# name like every enum",
            errors);
        foreach ((string word, string replacement) in config.WordMap)
        {
            Require(word == word.ToLowerInvariant(), $"wordMap key \"{word}\" must be lowercase", errors);
            Require(CSharpNames.IsIdentifier(replacement), $"wordMap[\"{word}\"] = \"{replacement}\" is not a C# identifier", errors);
        }

        foreach ((string cName, EnumConfig enumConfig) in config.Enums)
        {
            Require(CSharpNames.IsIdentifier(enumConfig.Name), $"enums[\"{cName}\"].name \"{enumConfig.Name}\" is not a C# identifier", errors);
            Require(
                enumConfig.Namespace is null || CSharpNames.IsNamespace(enumConfig.Namespace),
                $"enums[\"{cName}\"].namespace \"{enumConfig.Namespace}\" is not a C# namespace",
                errors);
        }

        if (errors.Count > 0)
        {
            throw new BindgenException($"{path}: {string.Join("; ", errors)}");
        }
    }

    private static void Require(bool condition, string message, List<string> errors)
    {
        if (!condition)
        {
            errors.Add(message);
        }
    }
}
