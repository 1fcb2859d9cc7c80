using Sharpnet.Interop;

namespace Sharpnet;

public sealed partial class NDArray
{
    /// <summary>
    /// Basic indexing with C# indices and ranges (<c>c[0, 1..3]</c>, <c>c[^1]</c>, <c>c[..]</c>), stepped slices
    /// (<see cref="SliceIndex.Slice"/>) and new axes. As MXNet 1.9: a result contiguous in memory is a view (writes
    /// through it change this array); otherwise it is a copy. Integer indices drop their axis; a result without axes
    /// has shape (1,). Assignment writes into this array: a scalar (<c>c[0, 0] = -1f</c>, allocating nothing) or an
    /// array broadcast to the indexed shape.
    /// </summary>
    public NDArray this[params ReadOnlySpan<SliceIndex> key]
    {
        get
        {
            Span<IndexItem> items = key.Length <= 8 ? stackalloc IndexItem[key.Length] : new IndexItem[key.Length];
            ToNativeKey(key, items);
            NativeStatus.Check(Native.sn_ndarray_get_item(Handle, items, out byte isView, out NDArrayHandle h));
            return new NDArray(h, ownsStorage: isView == 0);
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Span<IndexItem> items = key.Length <= 8 ? stackalloc IndexItem[key.Length] : new IndexItem[key.Length];
            ToNativeKey(key, items);
            if (value.TryGetLiteral(out double scalar))
                NativeStatus.Check(Native.sn_ndarray_set_item_scalar(Handle, items, scalar));
            else
                NativeStatus.Check(Native.sn_ndarray_set_item(Handle, items, value.Handle));
        }
    }

    private void ToNativeKey(ReadOnlySpan<SliceIndex> key, Span<IndexItem> items)
    {
        int axis = 0;
        for (int i = 0; i < key.Length; i++)
        {
            long size = axis < NDim ? _shape[axis] : 0;
            items[i] = key[i].ToNative(axis, size);
            if (!key[i].IsNewAxis) axis++;
        }
    }
}
