using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sharpnet.Interop;

namespace Sharpnet;

public sealed partial class NDArray
{
    /// <summary>
    /// The values as a flat array (MXNet's asnumpy), converted to <typeparamref name="T"/> if the dtype differs. Waits
    /// for pending writes; throws the error of an operation that failed to produce the array.
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = GC.AllocateUninitializedArray<T>(checked((int)Size));
        CopyTo<T>(result, 0);
        return result;
    }

    /// <summary>Copies elements [offset, offset + destination.Length) of the flat array into <paramref name="destination"/>
    /// (for arrays past 2^31 elements, copy in parts).</summary>
    public unsafe void CopyTo<T>(Span<T> destination, long offset = 0) where T : unmanaged
    {
        fixed (T* p = destination)
        {
            NativeStatus.Check(Native.sn_ndarray_copy_to(Handle, p, ElementDType<T>(), offset, destination.Length));
        }
    }

    /// <summary>Overwrites elements [offset, offset + source.Length) of the flat array with <paramref name="source"/>,
    /// converted to the array's dtype. Waits until written.</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> source, long offset = 0) where T : unmanaged
    {
        fixed (T* p = source)
        {
            NativeStatus.Check(Native.sn_ndarray_copy_from(Handle, p, ElementDType<T>(), offset, source.Length));
        }
    }

    /// <summary>The values of a 2-D array as <c>T[rows, columns]</c>.</summary>
    public T[,] ToArray2D<T>() where T : unmanaged
    {
        if (NDim != 2) throw new InvalidOperationException($"ToArray2D needs a 2-D array, this one has shape {Shape}");
        var result = new T[checked((int)_shape[0]), checked((int)_shape[1])];
        ref byte first = ref MemoryMarshal.GetArrayDataReference(result);
        CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref first), result.Length));
        return result;
    }

    /// <summary>The single value of a one-element array (MXNet's asscalar).</summary>
    public T AsScalar<T>() where T : unmanaged
    {
        if (Size != 1) throw new InvalidOperationException($"AsScalar needs an array of one element, this one has shape {Shape}");
        Span<T> one = stackalloc T[1];
        CopyTo(one);
        return one[0];
    }

    /// <summary>Completes once pending writes finish, without blocking a thread; faults with the array's error.</summary>
    public unsafe Task WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        var op = new AsyncOp(null, cancellationToken);
        GCHandle self = GCHandle.Alloc(op);
        ErrorCode status = Native.sn_ndarray_notify_when_readable(Handle, &OnNativeDone, (void*)GCHandle.ToIntPtr(self));
        if (status != ErrorCode.Ok)
        {
            self.Free();
            op.Dispose();
            NativeStatus.Check(status);
        }
        return op.Task;
    }

    /// <summary>The values as a flat array, copied by the engine once ready; never blocks a thread.</summary>
    public unsafe Task<T[]> ToArrayAsync<T>(CancellationToken cancellationToken = default) where T : unmanaged
    {
        var result = GC.AllocateUninitializedArray<T>(checked((int)Size), pinned: true);
        var op = new AsyncOp(result, cancellationToken);
        GCHandle self = GCHandle.Alloc(op);
        void* data = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(result));
        ErrorCode status = Native.sn_ndarray_copy_to_async(Handle, data, ElementDType<T>(), 0, result.Length, &OnNativeDone,
                                                           (void*)GCHandle.ToIntPtr(self));
        if (status != ErrorCode.Ok)
        {
            self.Free();
            op.Dispose();
            NativeStatus.Check(status);
        }
        return op.Task.ContinueWith(static (t, state) =>
        {
            t.GetAwaiter().GetResult();  // rethrows failure or cancellation
            return (T[])state!;
        }, result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // One pending native wait or copy. The native callback always comes (the buffer, pinned on the POH, stays
    // referenced until then); cancellation only completes the task early.
    private sealed class AsyncOp : IDisposable
    {
        private readonly TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _registration;
        private readonly object? _buffer;

        public AsyncOp(object? buffer, CancellationToken token)
        {
            _buffer = buffer;
            if (token.CanBeCanceled) _registration = token.Register(static s => ((AsyncOp)s!)._tcs.TrySetCanceled(), this);
        }

        public Task Task => _tcs.Task;

        public void Complete(ErrorCode status, string message)
        {
            GC.KeepAlive(_buffer);
            _registration.Dispose();
            if (status == ErrorCode.Ok) _tcs.TrySetResult();
            else _tcs.TrySetException(new SharpnetException(status, message));
        }

        public void Dispose() => _registration.Dispose();
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnNativeDone(void* userData, ErrorCode status, byte* message)
    {
        try
        {
            GCHandle handle = GCHandle.FromIntPtr((nint)userData);
            var op = (AsyncOp)handle.Target!;
            handle.Free();
            op.Complete(status, status == ErrorCode.Ok ? "" : NativeStatus.ReadUtf8(message));
        }
        catch
        {
            // Nothing may unwind into native code.
        }
    }
}
