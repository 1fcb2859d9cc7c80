using Sharpnet.Bindgen.Config;
using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Mapping;

/// <summary>
/// C types to their blittable C# spelling, as used where no marshalling happens: struct fields,
/// callback signatures, return values and the raw half of pointer parameters.
/// </summary>
internal sealed class TypeMapper
{
    private static readonly Dictionary<string, string> Primitives = new(StringComparer.Ordinal)
    {
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["size_t"] = "nuint",
        ["float"] = "float",
        ["double"] = "double",
    };

    // The element types C# allows in a fixed-size buffer.
    private static readonly HashSet<string> FixedBufferElements =
        ["sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "float", "double"];

    private readonly BindgenConfig _config;
    private readonly Naming _naming;
    private readonly Dictionary<string, CallbackDeclaration> _callbacks;

    internal TypeMapper(HeaderModel model, BindgenConfig config, Naming naming)
    {
        _config = config;
        _naming = naming;
        _callbacks = model.Declarations.OfType<CallbackDeclaration>().ToDictionary(c => c.CName, StringComparer.Ordinal);
    }

    internal Naming Naming => _naming;

    /// <summary>The blittable C# type of <paramref name="type"/>; handles are raw <c>nint</c>, text is <c>byte*</c>.</summary>
    internal string Blittable(CType type, string context) => type switch
    {
        PrimitiveType primitive => Primitives[primitive.CName],
        VoidType => "void",
        PointerType { Pointee: CharType } => "byte*",
        PointerType pointer => Blittable(pointer.Pointee, context) + "*",
        NamedType { Kind: NamedKind.Enum } named => Enum(named.CName),
        NamedType { Kind: NamedKind.Handle } => "nint",
        NamedType { Kind: NamedKind.Struct } named => _naming.Struct(named.CName),
        NamedType { Kind: NamedKind.Callback } named => FunctionPointer(_callbacks[named.CName]),
        _ => throw new BindgenException($"{context}: {type} cannot be passed by value; char appears only behind a pointer (const char* for text)"),
    };

    internal static bool IsInteger(CType type) =>
        type is PrimitiveType primitive && primitive.CName is not ("float" or "double");

    internal static string PrimitiveName(PrimitiveType type) => Primitives[type.CName];

    internal static bool IsFixedBufferElement(string csType) => FixedBufferElements.Contains(csType);

    internal string HandleClass(string handleCName) => _naming.HandleClass(handleCName);

    /// <summary>The configured C# enum, qualified when its namespace is not visible from the configuration's namespace.</summary>
    internal string Enum(string cName)
    {
        EnumConfig enumConfig = EnumConfig(cName);
        string enumNamespace = EnumNamespace(enumConfig);
        bool visible = _config.Namespace == enumNamespace || _config.Namespace.StartsWith(enumNamespace + ".", StringComparison.Ordinal);
        return visible ? enumConfig.Name : $"global::{enumNamespace}.{enumConfig.Name}";
    }

    internal EnumConfig EnumConfig(string cName) => _config.Enums[cName];

    /// <summary>The status enum's success member as C# ("ErrorCode.Ok").</summary>
    internal string StatusOk()
    {
        string status = _config.Status.Type;
        return $"{Enum(status)}.{_naming.EnumMember(status, EnumConfig(status), _config.Status.Ok)}";
    }

    internal string EnumNamespace(EnumConfig enumConfig) => enumConfig.Namespace ?? _config.Namespace;

    internal string FunctionPointer(CallbackDeclaration callback)
    {
        string context = $"callback {callback.CName}";
        IEnumerable<string> types = callback.ParameterTypes.Append(callback.ReturnType).Select(t => Blittable(t, context));
        return $"delegate* unmanaged<{string.Join(", ", types)}>";
    }
}
