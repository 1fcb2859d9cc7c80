using System.Text.RegularExpressions;

namespace Sharpnet.Bindgen.Mapping;

/// <summary>C# identifier rules the generated names must follow.</summary>
internal static partial class CSharpNames
{
    private static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];

    internal static bool IsIdentifier(string name) => IdentifierPattern().IsMatch(name) && !Keywords.Contains(name);

    internal static bool IsNamespace(string name) => name.Split('.').All(IsIdentifier);

    /// <summary>A C parameter name usable in C#: keywords get an @.</summary>
    internal static string Escape(string name) => Keywords.Contains(name) ? "@" + name : name;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
