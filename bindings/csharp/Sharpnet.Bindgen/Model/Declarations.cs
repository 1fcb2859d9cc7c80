namespace Sharpnet.Bindgen.Model;

/// <summary>One top-level declaration of the header, in header order.</summary>
/// <param name="Doc">The doc comment's lines, markers stripped; empty when there is none.</param>
/// <param name="Location">"file.h:line" for messages.</param>
internal abstract record Declaration(string CName, IReadOnlyList<string> Doc, string Location);

internal sealed record EnumMember(string CName, long Value, IReadOnlyList<string> Doc);

/// <summary>A named enum: <c>typedef enum sn_x { ... } sn_x;</c>.</summary>
internal sealed record EnumDeclaration(string CName, IReadOnlyList<string> Doc, string Location, IReadOnlyList<EnumMember> Members)
    : Declaration(CName, Doc, Location);

/// <summary>An anonymous enum: the header's way of declaring integer constants.</summary>
internal sealed record ConstantsDeclaration(IReadOnlyList<string> Doc, string Location, IReadOnlyList<EnumMember> Members)
    : Declaration(string.Empty, Doc, Location);

/// <summary>An opaque handle: <c>typedef struct sn_foo* sn_foo_t;</c>.</summary>
internal sealed record HandleDeclaration(string CName, IReadOnlyList<string> Doc, string Location)
    : Declaration(CName, Doc, Location);

/// <summary>A function-pointer typedef.</summary>
internal sealed record CallbackDeclaration(string CName, IReadOnlyList<string> Doc, string Location, CType ReturnType, IReadOnlyList<CType> ParameterTypes)
    : Declaration(CName, Doc, Location);

internal sealed record Field(string CName, CType Type, IReadOnlyList<string> Doc);

/// <summary>A plain struct: <c>typedef struct sn_x { ... } sn_x;</c>.</summary>
internal sealed record StructDeclaration(string CName, IReadOnlyList<string> Doc, string Location, IReadOnlyList<Field> Fields)
    : Declaration(CName, Doc, Location);

internal sealed record Parameter(string CName, CType Type, Annotations Annotations);

internal sealed record FunctionDeclaration(string CName, IReadOnlyList<string> Doc, string Location, CType ReturnType, IReadOnlyList<Parameter> Parameters)
    : Declaration(CName, Doc, Location);

/// <summary>The header's declarations in header order.</summary>
internal sealed record HeaderModel(IReadOnlyList<Declaration> Declarations);
