namespace Sharpnet;

/// <summary>MXNet's names and sizes of element types.</summary>
public static class DTypeExtensions
{
    /// <summary>MXNet's name: "float32", "bfloat16", "uint8", ...</summary>
    public static string MXNetName(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), $"unknown dtype flag {(int)dtype}"),
    };

    /// <summary>Bytes per element.</summary>
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float64 or DType.Int64 => 8,
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), $"unknown dtype flag {(int)dtype}"),
    };

    /// <summary>Whether the type is a floating-point type.</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

    /// <summary>Parses MXNet's name ("float32"); throws <see cref="ArgumentException"/> listing the names otherwise.</summary>
    public static DType ParseDType(string name)
    {
        foreach (DType d in Enum.GetValues<DType>())
            if (d.MXNetName() == name) return d;
        throw new ArgumentException(
            $"unknown dtype '{name}'; expected one of {string.Join(", ", Enum.GetValues<DType>().Select(d => d.MXNetName()))}",
            nameof(name));
    }
}
