using System.Buffers.Binary;

namespace Sharpnet.IO;

/// <summary>
/// The IDX format of the MNIST files (LeCun et al.): two zero bytes, an element-type code, the number of
/// dimensions, each dimension as a big-endian int32, then the elements big-endian, row-major. Reads the official
/// files and those <c>scripts/fetch-data.sh</c> writes; int16 elements (code 0x0B) widen to Int32, Sharpnet having
/// no 16-bit integer type.
/// </summary>
public static class Idx
{
    /// <summary>Reads an IDX file into a new array of its element type (uint8 images stay UInt8).</summary>
    public static NDArray Read(string path, Context? ctx = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpnetException(ErrorCode.IO, $"Idx.Read: cannot read '{path}': {e.Message}", e);
        }
        return Parse(bytes, path, ctx);
    }

    /// <summary>Parses IDX bytes; <paramref name="name"/> names the source in errors.</summary>
    public static NDArray Parse(ReadOnlySpan<byte> bytes, string name, Context? ctx = null)
    {
        Exception Bad(string what) => new SharpnetException(ErrorCode.Format, $"Idx: '{name}' is not a valid IDX file: {what}");
        if (bytes.Length < 4) throw Bad($"expected a 4-byte header, got {bytes.Length} byte(s)");
        if (bytes[0] != 0 || bytes[1] != 0) throw Bad($"expected the magic to start with two zero bytes, got 0x{bytes[0]:x2} 0x{bytes[1]:x2}");
        (DType dtype, int size) = bytes[2] switch
        {
            0x08 => (DType.UInt8, 1),
            0x09 => (DType.Int8, 1),
            0x0B => (DType.Int32, 2),
            0x0C => (DType.Int32, 4),
            0x0D => (DType.Float32, 4),
            0x0E => (DType.Float64, 8),
            _ => throw Bad($"expected an element type code 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E, got 0x{bytes[2]:x2}"),
        };
        int rank = bytes[3];
        if (rank < 1) throw Bad("expected at least one dimension, got 0");
        if (bytes.Length < 4 + 4 * rank) throw Bad($"expected {rank} dimension sizes after the magic, got {bytes.Length - 4} byte(s)");
        var dims = new long[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(4 + 4 * d));
            if (dims[d] < 0) throw Bad($"dimension {d} is negative ({dims[d]})");
            // Any count past the bytes at hand is a mismatch; stopping there also keeps the product from overflowing.
            count = Math.Min(count * dims[d], (long)bytes.Length + 1);
        }
        long expected = 4 + 4L * rank + count * size;
        if (bytes.Length != expected)
            throw Bad($"a {string.Join("x", dims)} array of {size}-byte elements needs {expected} bytes, the file has {bytes.Length}");
        ReadOnlySpan<byte> body = bytes.Slice(4 + 4 * rank);
        var shape = new Shape(dims);
        switch (bytes[2])
        {
            case 0x08: return NDArray.Array<byte>(body, shape, dtype, ctx);
            case 0x09: return NDArray.Array<sbyte>(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(body), shape, dtype, ctx);
            case 0x0B:
            {
                var v = new int[count];
                for (long i = 0; i < count; i++) v[i] = BinaryPrimitives.ReadInt16BigEndian(body.Slice((int)(2 * i)));
                return NDArray.Array<int>(v, shape, dtype, ctx);
            }
            case 0x0C:
            {
                var v = new int[count];
                for (long i = 0; i < count; i++) v[i] = BinaryPrimitives.ReadInt32BigEndian(body.Slice((int)(4 * i)));
                return NDArray.Array<int>(v, shape, dtype, ctx);
            }
            case 0x0D:
            {
                var v = new float[count];
                for (long i = 0; i < count; i++) v[i] = BinaryPrimitives.ReadSingleBigEndian(body.Slice((int)(4 * i)));
                return NDArray.Array<float>(v, shape, dtype, ctx);
            }
            default:
            {
                var v = new double[count];
                for (long i = 0; i < count; i++) v[i] = BinaryPrimitives.ReadDoubleBigEndian(body.Slice((int)(8 * i)));
                return NDArray.Array<double>(v, shape, dtype, ctx);
            }
        }
    }

    /// <summary>Writes a UInt8, Int8, Int32, Float32 or Float64 array as an IDX file.</summary>
    public static void Write(string path, NDArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        byte code = array.DType switch
        {
            DType.UInt8 => 0x08,
            DType.Int8 => 0x09,
            DType.Int32 => 0x0C,
            DType.Float32 => 0x0D,
            DType.Float64 => 0x0E,
            _ => throw new SharpnetException(ErrorCode.Type,
                $"Idx.Write: IDX holds uint8, int8, int32, float32 or float64 elements, got {array.DType}"),
        };
        long[] dims = array.Shape.Dims.ToArray();
        if (dims.Length is < 1 or > 255 || dims.Any(d => d > int.MaxValue))
            throw new SharpnetException(ErrorCode.Shape, $"Idx.Write: IDX holds 1 to 255 dimensions of at most {int.MaxValue}, got {array.Shape}");
        using var stream = File.Create(path);
        Span<byte> word = stackalloc byte[8];
        stream.Write(new byte[] { 0, 0, code, (byte)dims.Length });
        foreach (long d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, (int)d);
            stream.Write(word[..4]);
        }
        switch (array.DType)
        {
            case DType.UInt8: stream.Write(array.ToArray<byte>()); break;
            case DType.Int8: stream.Write(System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(array.ToArray<sbyte>())); break;
            case DType.Int32: foreach (int v in array.ToArray<int>()) { BinaryPrimitives.WriteInt32BigEndian(word, v); stream.Write(word[..4]); } break;
            case DType.Float32: foreach (float v in array.ToArray<float>()) { BinaryPrimitives.WriteSingleBigEndian(word, v); stream.Write(word[..4]); } break;
            default: foreach (double v in array.ToArray<double>()) { BinaryPrimitives.WriteDoubleBigEndian(word, v); stream.Write(word); } break;
        }
    }
}
