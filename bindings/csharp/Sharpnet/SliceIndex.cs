using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// One item of an array index: an integer position (C# <see cref="Index"/> or an int; negative ints count from the
/// end, as in Python), a range (<c>1..3</c>, <c>..</c>, <c>^2..</c>), a stepped slice
/// (<see cref="Slice(long?, long?, long)"/>) or a new axis (<see cref="NewAxis"/>, Python's None).
/// </summary>
public readonly struct SliceIndex
{
    private enum Kind : byte { Position, CSharpIndex, CSharpRange, Stepped, NewAxisItem }

    private readonly Kind _kind;
    private readonly long _a, _b, _step;
    private readonly bool _hasA, _hasB;
    private readonly Index _index;
    private readonly Range _range;

    private SliceIndex(Kind kind, long a = 0, long b = 0, long step = 1, bool hasA = false, bool hasB = false,
                       Index index = default, Range range = default)
    {
        _kind = kind;
        _a = a;
        _b = b;
        _step = step;
        _hasA = hasA;
        _hasB = hasB;
        _index = index;
        _range = range;
    }

    /// <summary>Python's None: inserts an axis of size 1.</summary>
    public static SliceIndex NewAxis => new(Kind.NewAxisItem);

    /// <summary>Python's <c>start:stop:step</c>; null bounds are open, negative bounds count from the end.</summary>
    public static SliceIndex Slice(long? start, long? stop, long step = 1)
    {
        if (step == 0) throw new ArgumentOutOfRangeException(nameof(step), "slice step cannot be zero");
        return new(Kind.Stepped, start ?? 0, stop ?? 0, step, start.HasValue, stop.HasValue);
    }

    /// <summary>A position; negative values count from the end (Python).</summary>
    public static implicit operator SliceIndex(int position) => new(Kind.Position, position);
    /// <summary>A position; negative values count from the end (Python).</summary>
    public static implicit operator SliceIndex(long position) => new(Kind.Position, position);
    /// <summary>A C# index: <c>^1</c> is the last element.</summary>
    public static implicit operator SliceIndex(Index index) => new(Kind.CSharpIndex, index: index);
    /// <summary>A C# range: <c>1..3</c>, <c>..^1</c>, <c>..</c>.</summary>
    public static implicit operator SliceIndex(Range range) => new(Kind.CSharpRange, range: range);

    internal bool IsNewAxis => _kind == Kind.NewAxisItem;

    /// <summary>The native item for an axis of size <paramref name="size"/> (used for error messages and ^0).</summary>
    internal IndexItem ToNative(int axis, long size)
    {
        switch (_kind)
        {
            case Kind.NewAxisItem:
                return new IndexItem { Kind = NativeIndexKind.NewAxis };
            case Kind.Position:
                return new IndexItem { Kind = NativeIndexKind.Int, Start = _a };
            case Kind.CSharpIndex:
                if (_index.IsFromEnd && _index.Value == 0)
                    throw new IndexOutOfRangeException($"index ^0 is out of bounds for axis {axis} with size {size}");
                return new IndexItem { Kind = NativeIndexKind.Int, Start = _index.IsFromEnd ? -_index.Value : _index.Value };
            case Kind.CSharpRange:
            {
                var item = new IndexItem { Kind = NativeIndexKind.Slice, Step = 1, HasStart = 1 };
                Index s = _range.Start, e = _range.End;
                item.Start = !s.IsFromEnd ? s.Value : s.Value == 0 ? size : -s.Value;
                if (e.IsFromEnd && e.Value == 0)
                {
                    item.HasStop = 0;  // to the end
                }
                else
                {
                    item.HasStop = 1;
                    item.Stop = e.IsFromEnd ? -e.Value : e.Value;
                }
                return item;
            }
            default:
                return new IndexItem
                {
                    Kind = NativeIndexKind.Slice, Start = _a, Stop = _b, Step = _step,
                    HasStart = (byte)(_hasA ? 1 : 0), HasStop = (byte)(_hasB ? 1 : 0),
                };
        }
    }
}
