using Sharpnet.Bindgen.Clang;
using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Parsing;

/// <summary>
/// Reads the declarations of one header's main file into a <see cref="HeaderModel"/>, refusing
/// anything outside the ABI's vocabulary (unions, bitfields, variadics, non-fixed-width integers).
/// </summary>
internal sealed class HeaderParser
{
    private static readonly HashSet<string> FixedWidthTypedefs =
    [
        "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "size_t",
    ];

    private const string AllowedTypes =
        "fixed-width integers (int32_t, uint8_t for booleans, ...), size_t, float, double, "
        + "const char* for text, or an enum, handle, callback or struct typedef declared in the header";

    private readonly Dictionary<string, NamedKind> _typedefs = new(StringComparer.Ordinal);
    private readonly List<CXCursor> _untypedefedStructs = [];
    private readonly List<Declaration> _declarations = [];

    private HeaderParser()
    {
    }

    internal static HeaderModel Parse(string headerPath, string includeDirectory)
    {
        using TranslationUnit unit = TranslationUnit.Parse(
            headerPath, ["-x", "c", "-std=c11", "-I", includeDirectory, "-DSN_BINDGEN"]);
        var parser = new HeaderParser();
        foreach (CXCursor cursor in unit.Cursor.Children())
        {
            if (cursor.IsFromMainFile())
            {
                parser.Visit(cursor);
            }
        }

        if (parser._untypedefedStructs.Count > 0)
        {
            CXCursor first = parser._untypedefedStructs[0];
            throw new BindgenException(
                $"{first.Location()}: struct {first.Spelling()} has no typedef; declare it as typedef struct {first.Spelling()} {{ ... }} {first.Spelling()};");
        }

        return new HeaderModel(parser._declarations);
    }

    private void Visit(CXCursor cursor)
    {
        switch (cursor.Kind)
        {
            case CXCursorKind.EnumDecl:
                VisitEnum(cursor);
                break;
            case CXCursorKind.TypedefDecl:
                VisitTypedef(cursor);
                break;
            case CXCursorKind.StructDecl:
                if (LibClang.clang_isCursorDefinition(cursor) != 0)
                {
                    _untypedefedStructs.Add(cursor);
                }

                break;
            case CXCursorKind.FunctionDecl:
                VisitFunction(cursor);
                break;
            case CXCursorKind.StaticAssert:
                break;
            case CXCursorKind.UnionDecl:
                throw new BindgenException($"{cursor.Location()}: union {cursor.Spelling()}: unions are not part of the ABI; use a struct");
            default:
                throw new BindgenException(
                    $"{cursor.Location()}: unsupported declaration '{cursor.Spelling()}' (cursor kind {(int)cursor.Kind}); "
                    + "the ABI declares only enums, typedefs and functions");
        }
    }

    private void VisitEnum(CXCursor cursor)
    {
        var members = new List<EnumMember>();
        CXSourceRange? previousComment = null;
        foreach (CXCursor member in cursor.Children())
        {
            if (member.Kind != CXCursorKind.EnumConstantDecl)
            {
                continue;
            }

            // Only ';{}#@' stop clang from attaching a doc comment, so an undocumented member
            // inherits the comment of the member before it; keep it on that one.
            CXSourceRange comment = LibClang.clang_Cursor_getCommentRange(member);
            bool inherited = previousComment is { } previous && LibClang.clang_equalRanges(previous, comment) != 0;
            previousComment = comment;

            long value = LibClang.clang_getEnumConstantDeclValue(member);
            if (value is < int.MinValue or > int.MaxValue)
            {
                throw new BindgenException($"{member.Location()}: enum value {member.Spelling()} = {value} does not fit in an int");
            }

            members.Add(new EnumMember(member.Spelling(), value, inherited ? [] : Doc(member)));
        }

        IReadOnlyList<string> doc = Doc(cursor);
        if (LibClang.clang_Cursor_isAnonymous(cursor) != 0)
        {
            Add(new ConstantsDeclaration(doc, cursor.Location(), members));
            return;
        }

        // typedef enum { ... } sn_x; has no tag: its type is spelled by the typedef name.
        string name = cursor.Spelling();
        name = name.Length > 0 ? name : LibClang.clang_getCursorType(cursor).Spelling();
        _typedefs[name] = NamedKind.Enum;
        Add(new EnumDeclaration(name, doc, cursor.Location(), members));
    }

    private void VisitTypedef(CXCursor cursor)
    {
        string name = cursor.Spelling();
        CXType underlying = Desugar(LibClang.clang_getTypedefDeclUnderlyingType(cursor));
        switch (underlying.Kind)
        {
            case CXTypeKind.Enum:
                string tag = LibClang.clang_getTypeDeclaration(underlying).Spelling();
                if (tag.Length > 0 && tag != name)
                {
                    throw new BindgenException(
                        $"{cursor.Location()}: typedef enum {tag} ... {name}: give the enum tag and the typedef the same name");
                }

                return;
            case CXTypeKind.Record:
                VisitStructTypedef(cursor, name, LibClang.clang_getTypeDeclaration(underlying));
                return;
            case CXTypeKind.Pointer:
                CXType pointee = Desugar(LibClang.clang_getPointeeType(underlying));
                if (pointee.Kind == CXTypeKind.Record)
                {
                    _typedefs[name] = NamedKind.Handle;
                    Add(new HandleDeclaration(name, Doc(cursor), cursor.Location()));
                    return;
                }

                if (pointee.Kind == CXTypeKind.FunctionProto)
                {
                    VisitCallback(cursor, name, pointee);
                    return;
                }

                break;
        }

        throw new BindgenException(
            $"{cursor.Location()}: typedef {name} aliases '{underlying.Spelling()}'; the ABI's typedefs name an enum, "
            + "a plain struct, an opaque handle (typedef struct sn_foo* sn_foo_t;) or a callback (a function pointer with a prototype)");
    }

    private void VisitStructTypedef(CXCursor typedef, string name, CXCursor record)
    {
        if (record.Kind == CXCursorKind.UnionDecl)
        {
            throw new BindgenException($"{typedef.Location()}: typedef {name} is a union; unions are not part of the ABI");
        }

        if (LibClang.clang_isCursorDefinition(record) == 0)
        {
            throw new BindgenException(
                $"{typedef.Location()}: typedef {name} names an incomplete struct; a handle is a pointer: typedef struct {name}* {name}_t;");
        }

        _untypedefedStructs.RemoveAll(candidate => LibClang.clang_equalCursors(candidate, record) != 0);
        var fields = new List<Field>();
        foreach (CXCursor field in record.Children())
        {
            if (field.Kind != CXCursorKind.FieldDecl)
            {
                continue;
            }

            string context = $"field '{field.Spelling()}' of {name}";
            if (LibClang.clang_Cursor_isBitField(field) != 0)
            {
                throw new BindgenException($"{field.Location()}: {context} is a bitfield; bitfields are not part of the ABI");
            }

            fields.Add(new Field(field.Spelling(), Resolve(LibClang.clang_getCursorType(field), field, context), Doc(field)));
        }

        _typedefs[name] = NamedKind.Struct;
        IReadOnlyList<string> doc = Doc(typedef);
        Add(new StructDeclaration(name, doc.Count > 0 ? doc : Doc(record), typedef.Location(), fields));
    }

    private void VisitCallback(CXCursor typedef, string name, CXType function)
    {
        if (LibClang.clang_isFunctionTypeVariadic(function) != 0)
        {
            throw new BindgenException($"{typedef.Location()}: callback {name} is variadic; variadic functions are not part of the ABI");
        }

        var parameterTypes = new List<CType>();
        foreach (CXCursor parameter in typedef.Children())
        {
            if (parameter.Kind == CXCursorKind.ParmDecl)
            {
                string context = $"callback {name} parameter {parameterTypes.Count + 1}";
                parameterTypes.Add(Resolve(LibClang.clang_getCursorType(parameter), parameter, context));
            }
        }

        CType returnType = Resolve(LibClang.clang_getResultType(function), typedef, $"callback {name} return type");
        _typedefs[name] = NamedKind.Callback;
        Add(new CallbackDeclaration(name, Doc(typedef), typedef.Location(), returnType, parameterTypes));
    }

    private void VisitFunction(CXCursor cursor)
    {
        string name = cursor.Spelling();
        if (LibClang.clang_getCursorType(cursor).Kind == CXTypeKind.FunctionNoProto)
        {
            throw new BindgenException($"{cursor.Location()}: {name} has no prototype; declare an empty parameter list as {name}(void)");
        }

        if (LibClang.clang_Cursor_isVariadic(cursor) != 0)
        {
            throw new BindgenException($"{cursor.Location()}: {name} is variadic; variadic functions are not part of the ABI");
        }

        CType returnType = Resolve(LibClang.clang_getCursorResultType(cursor), cursor, $"{name} return type");
        int count = LibClang.clang_Cursor_getNumArguments(cursor);
        var parameters = new List<Parameter>(count);
        for (uint i = 0; i < count; i++)
        {
            CXCursor parameter = LibClang.clang_Cursor_getArgument(cursor, i);
            string parameterName = parameter.Spelling();
            if (parameterName.Length == 0)
            {
                throw new BindgenException($"{parameter.Location()}: parameter {i + 1} of {name} has no name; name every parameter");
            }

            string context = $"{name} parameter '{parameterName}'";
            CType type = Resolve(LibClang.clang_getCursorType(parameter), parameter, context);
            parameters.Add(new Parameter(parameterName, type, ReadAnnotations(parameter, context)));
        }

        Add(new FunctionDeclaration(name, Doc(cursor), cursor.Location(), returnType, parameters));
    }

    private void Add(Declaration declaration)
    {
        if (declaration is not ConstantsDeclaration && _declarations.Any(d => d.CName == declaration.CName))
        {
            throw new BindgenException($"{declaration.Location}: {declaration.CName} is declared twice; declare it once");
        }

        _declarations.Add(declaration);
    }

    private static Annotations ReadAnnotations(CXCursor parameter, string context)
    {
        Annotations annotations = Annotations.None;
        foreach (CXCursor child in parameter.Children())
        {
            if (child.Kind == CXCursorKind.AnnotateAttr)
            {
                string text = child.Spelling();
                annotations = annotations.With(text)
                    ?? throw new BindgenException($"{parameter.Location()}: {context} has unknown annotation \"{text}\"; use the SN_* macros of c_api.h");
            }
        }

        return annotations;
    }

    private CType Resolve(CXType type, CXCursor where, string context)
    {
        switch (type.Kind)
        {
            case CXTypeKind.Elaborated:
                return Resolve(LibClang.clang_Type_getNamedType(type), where, context);
            case CXTypeKind.Typedef:
                string name = LibClang.clang_getTypedefName(type).ToManaged();
                if (FixedWidthTypedefs.Contains(name))
                {
                    return new PrimitiveType(name);
                }

                if (_typedefs.TryGetValue(name, out NamedKind kind))
                {
                    return new NamedType(name, kind);
                }

                break;
            case CXTypeKind.Void:
                return new VoidType();
            case CXTypeKind.CharS or CXTypeKind.CharU:
                return new CharType();
            case CXTypeKind.Float:
                return new PrimitiveType("float");
            case CXTypeKind.Double:
                return new PrimitiveType("double");
            case CXTypeKind.Pointer:
                CXType pointee = LibClang.clang_getPointeeType(type);
                if (Desugar(pointee).Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
                {
                    throw new BindgenException($"{where.Location()}: {context} is a bare function pointer; declare a callback typedef for it");
                }

                return new PointerType(Resolve(pointee, where, context), LibClang.clang_isConstQualifiedType(pointee) != 0);
            case CXTypeKind.ConstantArray:
                return new ArrayType(Resolve(LibClang.clang_getArrayElementType(type), where, context), LibClang.clang_getArraySize(type));
            case CXTypeKind.Enum or CXTypeKind.Record:
                // enum sn_x / struct sn_x written out: fine when the typedef of the same name exists.
                string tag = LibClang.clang_getTypeDeclaration(type).Spelling();
                if (_typedefs.TryGetValue(tag, out NamedKind tagKind) && tagKind is NamedKind.Enum or NamedKind.Struct)
                {
                    return new NamedType(tag, tagKind);
                }

                break;
        }

        throw new BindgenException($"{where.Location()}: {context} has type '{type.Spelling()}', which the ABI does not allow; use {AllowedTypes}");
    }

    private static CXType Desugar(CXType type) =>
        type.Kind == CXTypeKind.Elaborated ? Desugar(LibClang.clang_Type_getNamedType(type)) : type;

    private static IReadOnlyList<string> Doc(CXCursor cursor) => DocComment.Lines(cursor.RawComment());
}
