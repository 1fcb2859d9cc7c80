using System.Runtime.InteropServices;

namespace Sharpnet.Interop;

/// <summary>An object owning one native handle (NDArray, Symbol), for <see cref="HandlePins{T}"/>.</summary>
internal interface INativeObject
{
    /// <summary>The handle; throws ObjectDisposedException once the object is disposed.</summary>
    SafeHandle NativeHandle { get; }
}

/// <summary>
/// The raw handles of two lists of objects, back to back, each kept from being freed until disposed: the argument
/// arrays of a native call. Null entries are 0 where <c>allowNull</c> says so (optional outs, symbols the native
/// side creates), else an ArgumentNullException naming the entry. Up to 16 handles need no allocation.
/// </summary>
internal unsafe ref struct HandlePins<T> where T : class, INativeObject
{
    private readonly ReadOnlySpan<T?> _first, _second;
    private fixed long _inline[16];
    private readonly nint* _heap;
    private int _added;  // handles AddRef'ed so far, in list order (nulls skipped)

    internal HandlePins(ReadOnlySpan<T?> first, bool firstAllowsNull, ReadOnlySpan<T?> second = default,
                        string firstName = "inputs")
    {
        _first = first;
        _second = second;
        int n = first.Length + second.Length;
        _heap = n > 16 ? (nint*)NativeMemory.Alloc((nuint)n, (nuint)sizeof(nint)) : null;
        nint* raw = Raw;
        try
        {
            for (int i = 0; i < first.Length; i++)
            {
                if (first[i] is null && !firstAllowsNull) throw new ArgumentNullException($"{firstName}[{i}]");
                raw[i] = AddRef(first[i]);
            }
            for (int i = 0; i < second.Length; i++) raw[first.Length + i] = AddRef(second[i]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private nint* Raw
    {
        get
        {
            if (_heap != null) return _heap;
            fixed (long* p = _inline) return (nint*)p;  // the struct lives on the stack (ref struct)
        }
    }

    /// <summary>The first list's handles.</summary>
    internal nint* First => Raw;
    /// <summary>The second list's handles.</summary>
    internal nint* Second => Raw + _first.Length;

    private nint AddRef(T? o)
    {
        if (o is null) return 0;
        SafeHandle h = o.NativeHandle;
        bool ok = false;
        h.DangerousAddRef(ref ok);
        _added++;
        return h.DangerousGetHandle();
    }

    public void Dispose()
    {
        int released = 0;
        for (int i = 0; i < _first.Length + _second.Length && released < _added; i++)
        {
            T? o = i < _first.Length ? _first[i] : _second[i - _first.Length];
            if (o is null) continue;
            o.NativeHandle.DangerousRelease();
            released++;
        }
        _added = 0;
        if (_heap != null) NativeMemory.Free(_heap);
    }
}
