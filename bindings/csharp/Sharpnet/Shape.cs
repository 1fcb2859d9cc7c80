using System.Collections;
using System.Text;

namespace Sharpnet;

/// <summary>
/// An array shape: 64-bit dims, immutable. Converts implicitly from an int (1-D), tuples of up to 6 ints or longs,
/// <c>int[]</c> and <c>long[]</c>: <c>Shape s = (2, 3);</c>. Prints like a Python tuple: <c>(2, 3)</c>, <c>(10,)</c>.
/// Dims may hold MXNet's special reshape values (0, -1, -2, -3, -4) where an operation accepts them.
/// </summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<long>
{
    /// <summary>The most dims a shape may have (NumPy's limit).</summary>
    public const int MaxNDim = 32;

    private readonly long[]? _dims;

    /// <summary>A shape with these dims (copied).</summary>
    public Shape(params long[] dims) : this((ReadOnlySpan<long>)dims) { }

    /// <summary>A shape with these dims (copied).</summary>
    public Shape(ReadOnlySpan<long> dims)
    {
        if (dims.Length > MaxNDim)
            throw new ArgumentException($"a shape has at most {MaxNDim} dims, got {dims.Length}", nameof(dims));
        _dims = dims.Length == 0 ? null : dims.ToArray();
    }

    /// <summary>The shape with no dims, <c>()</c>.</summary>
    public static Shape Empty => default;

    /// <summary>Number of dims.</summary>
    public int NDim => _dims?.Length ?? 0;

    /// <summary>Dim <paramref name="axis"/>; negative values count from the end.</summary>
    public long this[int axis]
    {
        get
        {
            int n = NDim;
            int i = axis < 0 ? axis + n : axis;
            if ((uint)i >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for shape {this} ({n} dims)");
            return _dims![i];
        }
    }

    /// <summary>The dims as a span.</summary>
    public ReadOnlySpan<long> Dims => _dims;

    /// <summary>Number of elements (1 for <c>()</c>); throws if a dim is negative or the count overflows a long.</summary>
    public long Size
    {
        get
        {
            long size = 1;
            foreach (long d in Dims)
            {
                if (d < 0) throw new InvalidOperationException($"shape {this} has an unknown or special dim; it has no size");
                size = checked(size * d);
            }
            return size;
        }
    }

    int IReadOnlyCollection<long>.Count => NDim;

    /// <summary>The dims as a new array.</summary>
    public long[] ToArray() => Dims.ToArray();

    /// <inheritdoc/>
    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)(_dims ?? Array.Empty<long>())).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (long d in Dims) hash.Add(d);
        return hash.ToHashCode();
    }
    /// <summary>Same dims.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);
    /// <summary>Different dims.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Python's tuple spelling: <c>(2, 3)</c>, <c>(10,)</c>, <c>()</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < NDim; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_dims![i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (NDim == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    /// <summary>A 1-D shape.</summary>
    public static implicit operator Shape(int dim0) => new(dim0);
    /// <summary>A 1-D shape.</summary>
    public static implicit operator Shape(long dim0) => new(dim0);
    /// <summary>A shape from dims.</summary>
    public static implicit operator Shape(int[] dims) => new(Array.ConvertAll(dims, d => (long)d));
    /// <summary>A shape from dims.</summary>
    public static implicit operator Shape(long[] dims) => new(dims);
    /// <summary>A 2-D shape.</summary>
    public static implicit operator Shape((int, int) t) => new(t.Item1, t.Item2);
    /// <summary>A 3-D shape.</summary>
    public static implicit operator Shape((int, int, int) t) => new(t.Item1, t.Item2, t.Item3);
    /// <summary>A 4-D shape.</summary>
    public static implicit operator Shape((int, int, int, int) t) => new(t.Item1, t.Item2, t.Item3, t.Item4);
    /// <summary>A 5-D shape.</summary>
    public static implicit operator Shape((int, int, int, int, int) t) => new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5);
    /// <summary>A 6-D shape.</summary>
    public static implicit operator Shape((int, int, int, int, int, int) t) =>
        new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6);
    /// <summary>A 2-D shape.</summary>
    public static implicit operator Shape((long, long) t) => new(t.Item1, t.Item2);
    /// <summary>A 3-D shape.</summary>
    public static implicit operator Shape((long, long, long) t) => new(t.Item1, t.Item2, t.Item3);
    /// <summary>A 4-D shape.</summary>
    public static implicit operator Shape((long, long, long, long) t) => new(t.Item1, t.Item2, t.Item3, t.Item4);
    /// <summary>A 5-D shape.</summary>
    public static implicit operator Shape((long, long, long, long, long) t) => new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5);
    /// <summary>A 6-D shape.</summary>
    public static implicit operator Shape((long, long, long, long, long, long) t) =>
        new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6);
}
