namespace Sharpnet.Bindgen.Model;

/// <summary>A C type as the ABI allows it, typedef names kept where they carry meaning; ToString gives its C spelling.</summary>
internal abstract record CType;

/// <summary>A fixed-width integer, size_t, float or double, by its C name.</summary>
internal sealed record PrimitiveType(string CName) : CType
{
    public override string ToString() => CName;
}

internal sealed record VoidType : CType
{
    public override string ToString() => "void";
}

/// <summary>Plain char: only meaningful behind a pointer (UTF-8 text).</summary>
internal sealed record CharType : CType
{
    public override string ToString() => "char";
}

internal sealed record PointerType(CType Pointee, bool PointeeIsConst) : CType
{
    public override string ToString() => $"{(PointeeIsConst ? "const " : string.Empty)}{Pointee}*";
}

internal sealed record ArrayType(CType Element, long Length) : CType
{
    public override string ToString() => $"{Element}[{Length}]";
}

/// <summary>A typedef declared in the header itself.</summary>
internal sealed record NamedType(string CName, NamedKind Kind) : CType
{
    public override string ToString() => CName;
}

internal enum NamedKind
{
    Enum,
    Handle,
    Callback,
    Struct,
}
