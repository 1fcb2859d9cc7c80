using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Mapping;

/// <summary>One parameter of an import: <c>[out] Type Name</c>.</summary>
internal sealed record MappedParameter(string Name, string Type, bool IsOut, Parameter Source);

/// <summary>A pointer + SN_LENGTH_OF pair the convenience overload replaces with one span.</summary>
internal sealed record SpanPair(int PointerIndex, int LengthIndex, string SpanType, string ElementType, string LengthType);

internal sealed record MappedFunction(
    FunctionDeclaration Source,
    string ReturnType,
    IReadOnlyList<MappedParameter> Parameters,
    bool UsesStrings,
    IReadOnlyList<SpanPair> Spans);

/// <summary>
/// Applies the parameter rules: annotations decide how each pointer crosses the boundary, and a
/// pointer nothing explains is an error rather than a guess.
/// </summary>
internal sealed class FunctionMapper(TypeMapper types)
{
    internal MappedFunction Map(FunctionDeclaration function)
    {
        bool isFree = IsFreeFunction(function);
        Dictionary<string, Parameter> lengths = LengthParameters(function);
        var parameters = new List<MappedParameter>();
        var spans = new List<SpanPair>();
        bool usesStrings = false;
        for (int i = 0; i < function.Parameters.Count; i++)
        {
            Parameter parameter = function.Parameters[i];
            string context = $"{function.Location}: {function.CName} parameter '{parameter.CName}'";
            CheckPlacement(parameter, context);
            string type;
            if (parameter.Annotations.Out)
            {
                type = OutType(parameter, context);
            }
            else if (lengths.TryGetValue(parameter.CName, out Parameter? length))
            {
                var pointer = (PointerType)parameter.Type;
                type = types.Blittable(pointer, context);
                if (SpanElement(pointer.Pointee, context) is { } element)
                {
                    string span = pointer.PointeeIsConst ? $"ReadOnlySpan<{element}>" : $"Span<{element}>";
                    string lengthType = TypeMapper.PrimitiveName((PrimitiveType)length.Type);
                    spans.Add(new SpanPair(i, IndexOf(function, length.CName), span, element, lengthType));
                }
            }
            else
            {
                type = InputType(parameter, isFree, context);
                usesStrings |= type.StartsWith("string", StringComparison.Ordinal);
            }

            parameters.Add(new MappedParameter(CSharpNames.Escape(parameter.CName), type, parameter.Annotations.Out, parameter));
        }

        return new MappedFunction(function, ReturnType(function), parameters, usesStrings, spans);
    }

    /// <summary>sn_foo_free(sn_foo_t): imported with a raw handle so SafeHandle.ReleaseHandle can call it.</summary>
    private bool IsFreeFunction(FunctionDeclaration function) =>
        function.Parameters is [{ Type: NamedType { Kind: NamedKind.Handle } handle }]
        && function.CName == types.Naming.FreeFunction(handle.CName);

    private string ReturnType(FunctionDeclaration function) => function.ReturnType switch
    {
        NamedType { Kind: NamedKind.Handle } => throw new BindgenException(
            $"{function.Location}: {function.CName} returns a handle; return it through an SN_OUT SN_CALLER_FREES(...) parameter"),
        _ => types.Blittable(function.ReturnType, $"{function.Location}: {function.CName} return type"),
    };

    /// <summary>Pointer parameter name → the integer parameter whose SN_LENGTH_OF names it.</summary>
    private static Dictionary<string, Parameter> LengthParameters(FunctionDeclaration function)
    {
        var lengths = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (Parameter length in function.Parameters)
        {
            if (length.Annotations.LengthOf is not { } target)
            {
                continue;
            }

            string context = $"{function.Location}: {function.CName} parameter '{length.CName}' is SN_LENGTH_OF({target})";
            Parameter pointer = function.Parameters.FirstOrDefault(p => p.CName == target && p != length)
                ?? throw new BindgenException($"{context}, but {function.CName} has no other parameter '{target}'");
            if (pointer.Type is not PointerType)
            {
                throw new BindgenException($"{context}, but '{target}' is not a pointer");
            }

            if (!lengths.TryAdd(target, length))
            {
                throw new BindgenException($"{context}, but '{lengths[target].CName}' already is");
            }

            bool integer = length.Annotations.Out
                ? length.Type is PointerType { Pointee: var pointee } && TypeMapper.IsInteger(pointee)
                : TypeMapper.IsInteger(length.Type);
            if (!integer)
            {
                throw new BindgenException($"{context}, but its type {length.Type} is not an integer{(length.Annotations.Out ? " pointer" : string.Empty)}");
            }

            if (length.Annotations.Out != pointer.Annotations.Out)
            {
                throw new BindgenException(
                    $"{context}: both or neither must be SN_OUT (an out array with its out length, or a caller's array with its length)");
            }
        }

        return lengths;
    }

    private static void CheckPlacement(Parameter parameter, string context)
    {
        Annotations annotations = parameter.Annotations;
        int ownership = (annotations.Borrowed ? 1 : 0) + (annotations.Static ? 1 : 0) + (annotations.CallerFrees is null ? 0 : 1);
        string? problem = parameter.Type switch
        {
            _ when ownership > 1 => "has more than one of SN_BORROWED, SN_STATIC, SN_CALLER_FREES; choose one",
            _ when ownership == 1 && !annotations.Out => "has an ownership annotation without SN_OUT; ownership describes what an out-parameter receives",
            _ when annotations.Out && annotations.Nullable => "is SN_OUT and SN_NULLABLE; out-parameters must not be NULL, drop SN_NULLABLE",
            not PointerType when annotations.Out => "is SN_OUT but not a pointer",
            not (PointerType or NamedType { Kind: NamedKind.Handle or NamedKind.Callback }) when annotations.Nullable =>
                "is SN_NULLABLE but is neither a pointer, a handle nor a callback",
            PointerType { PointeeIsConst: true } when annotations.Out => "is SN_OUT but points to const; an out-parameter's pointee must be writable",
            _ => null,
        };
        if (problem is not null)
        {
            throw new BindgenException($"{context} {problem}");
        }
    }

    private string OutType(Parameter parameter, string context)
    {
        CType pointee = ((PointerType)parameter.Type).Pointee;
        Annotations annotations = parameter.Annotations;
        switch (pointee)
        {
            case PointerType inner when !annotations.HasOwnership:
                throw new BindgenException(
                    $"{context} receives a pointer ({inner}) but does not say who owns it; add SN_BORROWED, SN_STATIC or SN_CALLER_FREES(fn)");
            case PointerType inner:
                return types.Blittable(inner, context);
            case NamedType { Kind: NamedKind.Handle } handle when annotations.CallerFrees is not null:
                return types.HandleClass(handle.CName);
            case NamedType { Kind: NamedKind.Handle } borrowed:
                // A borrowed handle must never reach a SafeHandle, which would free it.
                return annotations.HasOwnership
                    ? "nint"
                    : throw new BindgenException(
                        $"{context} receives a handle but does not say who owns it; add SN_CALLER_FREES({types.Naming.FreeFunction(borrowed.CName)}) or SN_BORROWED");
            case CharType or VoidType:
                throw new BindgenException(
                    $"{context} is SN_OUT {parameter.Type}; a caller's buffer is a non-const pointer with an SN_LENGTH_OF({parameter.CName}) length parameter, without SN_OUT");
            case var value when annotations.HasOwnership:
                throw new BindgenException(
                    $"{context} receives a value ({value}); ownership annotations apply to pointers and handles only");
            default:
                return types.Blittable(pointee, context);
        }
    }

    private string InputType(Parameter parameter, bool isFree, string context) => parameter.Type switch
    {
        PointerType { Pointee: CharType, PointeeIsConst: true } => parameter.Annotations.Nullable ? "string?" : "string",
        PointerType { Pointee: VoidType } => "void*",
        PointerType pointer => throw new BindgenException(
            $"{context} is a pointer ({pointer}) without an annotation that explains it; add SN_OUT if it receives a result, "
            + $"or SN_LENGTH_OF({parameter.CName}) on the integer parameter holding its element count if it is an array"),
        NamedType { Kind: NamedKind.Handle } handle => isFree ? "nint" : types.HandleClass(handle.CName),
        _ => types.Blittable(parameter.Type, context),
    };

    /// <summary>The element type of the span that may stand for this array, or null when none can (handles, pointers, callbacks).</summary>
    private string? SpanElement(CType pointee, string context) => pointee switch
    {
        CharType or VoidType => "byte",
        PrimitiveType or NamedType { Kind: NamedKind.Enum or NamedKind.Struct } => types.Blittable(pointee, context),
        _ => null,
    };

    private static int IndexOf(FunctionDeclaration function, string parameterName) =>
        function.Parameters.ToList().FindIndex(p => p.CName == parameterName);
}
