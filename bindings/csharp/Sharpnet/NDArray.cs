using System.Diagnostics;
using System.Runtime.InteropServices;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// An n-dimensional array on a device, MXNet's NDArray: operations are asynchronous (queued on the native
/// engine and returning at once), reading values waits. Views (<see cref="Reshape(Shape, bool)"/>, leading-axis slices,
/// contiguous indexing) share memory with their source. Native memory is released deterministically by
/// <see cref="Dispose"/> or an enclosing <see cref="NewScope"/>; the finalizer is a safety net.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public sealed partial class NDArray : IDisposable, INativeObject
{
    private static long s_liveCount;
    private const long MinReportedPressure = 64 * 1024;

    private NDArrayHandle? _handle;
    private readonly Shape _shape;
    private readonly DType _dtype;
    private readonly Context _context;
    private readonly long _pressure;        // bytes reported to the GC (arrays that own new storage)
    private readonly bool _isLiteral;       // from an implicit scalar conversion: no handle until needed
    private readonly double _literal;
    private int _disposed;

    /// <summary>The scope that will dispose this array, if any.</summary>
    internal NDArrayScope? Scope { get; set; }

    // An array backed by a native handle. `ownsStorage`: new storage (not a view), reported to the GC.
    internal NDArray(NDArrayHandle handle, bool ownsStorage, bool register = true)
    {
        _handle = handle;
        Span<long> dims = stackalloc long[Shape.MaxNDim];
        NativeStatus.Check(Native.sn_ndarray_get_info(handle, dims, out int ndim, out _dtype, out DeviceType type, out int id));
        _shape = new Shape(dims[..ndim]);
        _context = new Context(type, id);
        if (ownsStorage)
        {
            // Only large buffers matter to the GC's heuristics; reporting every small one costs more than it tells.
            long bytes = _shape.Size * _dtype.SizeInBytes();
            if (bytes >= MinReportedPressure)
            {
                _pressure = bytes;
                GC.AddMemoryPressure(_pressure);
            }
        }
        Interlocked.Increment(ref s_liveCount);
        if (register) NDArrayScope.Register(this);
    }

    // A scalar literal from an implicit conversion: no native memory until an operation needs it.
    private NDArray(double literal, DType dtype)
    {
        _isLiteral = true;
        _literal = literal;
        _shape = new Shape(1);
        _dtype = dtype;
        _context = Context.Default;
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases native memory if the array was never disposed (the handle frees itself as well).</summary>
    ~NDArray() => ReleaseAccounting();

    /// <summary>Arrays alive in this process: created with native memory and not yet disposed or finalized.</summary>
    public static long LiveCount => Interlocked.Read(ref s_liveCount);

    /// <summary>The shape.</summary>
    public Shape Shape => _shape;
    /// <summary>The element type.</summary>
    public DType DType => _dtype;
    /// <summary>The device the array lives on.</summary>
    public Context Context => _context;
    /// <summary>Number of elements (64-bit).</summary>
    public long Size => _shape.Size;
    /// <summary>Number of dimensions.</summary>
    public int NDim => _shape.NDim;

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A scalar literal that has no native array yet (indexer assignment uses the value directly).</summary>
    internal bool TryGetLiteral(out double value)
    {
        value = _literal;
        return _isLiteral && Volatile.Read(ref _handle) is null;
    }

    /// <summary>The native handle; a scalar literal becomes a real (1,) array on first use.</summary>
    SafeHandle INativeObject.NativeHandle => Handle;

    internal NDArrayHandle Handle
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
                throw new ObjectDisposedException(nameof(NDArray), "this NDArray has been disposed");
            return Volatile.Read(ref _handle) ?? MaterializeLiteral();
        }
    }

    private NDArrayHandle MaterializeLiteral()
    {
        lock (this)
        {
            if (_handle is not null) return _handle;
            SharpnetLibrary.EnsureLoaded();
            NativeStatus.Check(Native.sn_ndarray_create(_shape.Dims, _dtype, _context.DeviceType, _context.DeviceId,
                                                        out NDArrayHandle h));
            NativeStatus.Check(Native.sn_ndarray_fill(h, _literal));
            Volatile.Write(ref _handle, h);
            Interlocked.Increment(ref s_liveCount);
            GC.ReRegisterForFinalize(this);
            NDArrayScope.Register(this);
            return h;
        }
    }

    /// <summary>Frees the array's handle now (its memory goes once no view and no pending operation uses it).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        NDArrayScope.Forget(this);
        _grad?.Dispose();
        if (_handle is null) return;
        _handle.Dispose();
        ReleaseAccounting();
        GC.SuppressFinalize(this);
    }

    private void ReleaseAccounting()
    {
        if (_handle is null) return;
        if (_pressure > 0) GC.RemoveMemoryPressure(_pressure);
        Interlocked.Decrement(ref s_liveCount);
    }

    private string DebuggerDisplay => _isLiteral && _handle is null
        ? $"scalar literal {_literal}"
        : $"NDArray {_shape} {_dtype.MXNetName()} @{_context}{(IsDisposed ? " (disposed)" : "")}";

    // --- creation --------------------------------------------------------------------------------------------

    internal static NDArray Create(Shape shape, DType dtype, Context? context)
    {
        SharpnetLibrary.EnsureLoaded();
        Context ctx = context ?? Context.Default;
        foreach (long d in shape.Dims)
            if (d < 0) throw new ArgumentException($"array dims must be >= 0, got shape {shape}", nameof(shape));
        NativeStatus.Check(Native.sn_ndarray_create(shape.Dims, dtype, ctx.DeviceType, ctx.DeviceId, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: true);
    }

    /// <summary>An array with undefined values (its memory is allocated when first used).</summary>
    public static NDArray Empty(Shape shape, DType dtype = DType.Float32, Context? ctx = null) => Create(shape, dtype, ctx);

    /// <summary>An array of zeros.</summary>
    public static NDArray Zeros(Shape shape, DType dtype = DType.Float32, Context? ctx = null) => Full(shape, 0.0, dtype, ctx);

    /// <summary>An array of ones.</summary>
    public static NDArray Ones(Shape shape, DType dtype = DType.Float32, Context? ctx = null) => Full(shape, 1.0, dtype, ctx);

    /// <summary>An array filled with <paramref name="value"/> (converted to <paramref name="dtype"/>).</summary>
    public static NDArray Full(Shape shape, double value, DType dtype = DType.Float32, Context? ctx = null)
    {
        var a = Create(shape, dtype, ctx);
        a.Fill(value);
        return a;
    }

    /// <summary>
    /// Evenly spaced values in [start, stop) (MXNet's arange): <c>ceil((stop - start) / step)</c> values, each repeated
    /// <paramref name="repeat"/> times. With one argument, the values 0 .. start - 1.
    /// </summary>
    public static NDArray Arange(double start, double? stop = null, double step = 1.0, int repeat = 1,
                                 DType dtype = DType.Float32, Context? ctx = null)
    {
        if (stop is null) (start, stop) = (0, start);
        if (step == 0) throw new ArgumentOutOfRangeException(nameof(step), "arange: step must not be zero");
        if (repeat < 1) throw new ArgumentOutOfRangeException(nameof(repeat), $"arange: repeat expects a count >= 1, got {repeat}");
        double count = Math.Ceiling((stop.Value - start) / step);
        long n = double.IsFinite(count) && count > 0 ? checked((long)count * repeat) : 0;
        var a = Create(n, dtype, ctx);
        NativeStatus.Check(Native.sn_ndarray_arange(a.Handle, start, step, repeat));
        return a;
    }

    /// <summary>A float32 (or <paramref name="dtype"/>) array holding a copy of <paramref name="data"/>.</summary>
    /// <remarks>As MXNet's nd.array, the default dtype is float32 whatever the element type.</remarks>
    public static NDArray Array<T>(T[] data, DType? dtype = null, Context? ctx = null) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, data.Length, dtype, ctx);
    }

    /// <summary>An array of the given shape holding a copy of <paramref name="data"/> (row-major).</summary>
    public static NDArray Array<T>(ReadOnlySpan<T> data, Shape shape, DType? dtype = null, Context? ctx = null) where T : unmanaged
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"the data holds {data.Length} elements but shape {shape} needs {shape.Size}", nameof(data));
        return FromSpan(data, shape, dtype, ctx);
    }

    /// <summary>An array with the shape and values of a multi-dimensional .NET array (<c>float[,]</c>, <c>int[,,]</c>, ...).</summary>
    public static NDArray Array(System.Array data, DType? dtype = null, Context? ctx = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new long[data.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = data.GetLength(i);
        var shape = new Shape(dims);
        return data switch
        {
            float[,] or float[,,] or float[,,,] or float[] => FromArray<float>(data, shape, dtype, ctx),
            double[,] or double[,,] or double[,,,] or double[] => FromArray<double>(data, shape, dtype, ctx),
            int[,] or int[,,] or int[,,,] or int[] => FromArray<int>(data, shape, dtype, ctx),
            long[,] or long[,,] or long[,,,] or long[] => FromArray<long>(data, shape, dtype, ctx),
            byte[,] or byte[,,] or byte[,,,] or byte[] => FromArray<byte>(data, shape, dtype, ctx),
            sbyte[,] or sbyte[,,] or sbyte[,,,] or sbyte[] => FromArray<sbyte>(data, shape, dtype, ctx),
            Half[,] or Half[,,] or Half[,,,] or Half[] => FromArray<Half>(data, shape, dtype, ctx),
            bool[,] or bool[,,] or bool[,,,] or bool[] => FromArray<bool>(data, shape, dtype, ctx),
            _ => throw new ArgumentException(
                $"arrays of {data.GetType().GetElementType()} are not supported; use float, double, Half, int, long, byte, sbyte or bool",
                nameof(data)),
        };
    }

    private static NDArray FromArray<T>(System.Array data, Shape shape, DType? dtype, Context? ctx) where T : unmanaged
    {
        ref byte first = ref MemoryMarshal.GetArrayDataReference(data);
        var span = MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.CompilerServices.Unsafe.As<byte, T>(ref first), data.Length);
        return FromSpan(span, shape, dtype, ctx);
    }

    private static unsafe NDArray FromSpan<T>(ReadOnlySpan<T> data, Shape shape, DType? dtype, Context? ctx) where T : unmanaged
    {
        DType source = ElementDType<T>();
        var a = Create(shape, dtype ?? DType.Float32, ctx);
        fixed (T* p = data)
        {
            NativeStatus.Check(Native.sn_ndarray_copy_from(a.Handle, p, source, 0, data.Length));
        }
        return a;
    }

    /// <summary>The dtype whose elements <typeparamref name="T"/> stores.</summary>
    internal static DType ElementDType<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException(
            $"{typeof(T).Name} is not an NDArray element type; use float, double, Half, int, long, byte, sbyte or bool");
    }

    /// <summary>A scalar for indexer assignment (<c>a[0, 1] = 2f</c>); it allocates nothing native.</summary>
    public static implicit operator NDArray(float value) => new(value, DType.Float32);
    /// <summary>A scalar for indexer assignment; it allocates nothing native.</summary>
    public static implicit operator NDArray(double value) => new(value, DType.Float64);
    /// <summary>A scalar for indexer assignment; it allocates nothing native.</summary>
    public static implicit operator NDArray(int value) => new(value, DType.Int32);

    // --- basic operations the array needs by itself ------------------------------------------------------------

    /// <summary>Sets every element to <paramref name="value"/> (converted: float to integer saturates, NaN gives 0).</summary>
    public void Fill(double value) => NativeStatus.Check(Native.sn_ndarray_fill(Handle, value));

    /// <summary>A new array holding a copy, on the same device.</summary>
    public NDArray Copy() => CopyTo(Context);

    /// <summary>Copies the values into <paramref name="target"/> (same shape; dtypes converted; any device).</summary>
    public NDArray CopyTo(NDArray target)
    {
        ArgumentNullException.ThrowIfNull(target);
        NativeStatus.Check(Native.sn_ndarray_copy(Handle, target.Handle));
        return target;
    }

    /// <summary>A new array on <paramref name="context"/> holding a copy.</summary>
    public NDArray CopyTo(Context context)
    {
        NativeStatus.Check(Native.sn_ndarray_copy_to_device(Handle, context.DeviceType, context.DeviceId, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: true);
    }

    /// <summary>This array if it lives on <paramref name="context"/>, else a copy there (MXNet's as_in_context).</summary>
    public NDArray AsInContext(Context context) => context == Context ? this : CopyTo(context);

    /// <summary>A new array with the values converted to <paramref name="dtype"/>.</summary>
    public NDArray AsType(DType dtype)
    {
        NativeStatus.Check(Native.sn_ndarray_as_type(Handle, dtype, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: true);
    }

    /// <summary>
    /// A view with another shape: MXNet's special values 0 (copy a dim), -1 (infer), -2 (copy the rest),
    /// -3 (merge two), -4 (split one); <paramref name="reverse"/> matches them from the right.
    /// </summary>
    public NDArray Reshape(Shape shape, bool reverse = false)
    {
        NativeStatus.Check(Native.sn_ndarray_reshape(Handle, shape.Dims, (byte)(reverse ? 1 : 0), out NDArrayHandle h));
        return new NDArray(h, ownsStorage: false);
    }

    /// <summary>A view of elements [begin, end) along the first axis.</summary>
    public NDArray Slice(long begin, long end)
    {
        NativeStatus.Check(Native.sn_ndarray_slice(Handle, begin, end, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: false);
    }

    /// <summary>A view of element <paramref name="index"/> of the first axis (negative counts from the end).</summary>
    public NDArray At(long index)
    {
        NativeStatus.Check(Native.sn_ndarray_at(Handle, index, out NDArrayHandle h));
        return new NDArray(h, ownsStorage: false);
    }

    /// <summary>Waits until pending writes to the array finish; throws its error if an operation producing it failed.</summary>
    public void WaitToRead() => NativeStatus.Check(Native.sn_ndarray_wait_to_read(Handle));

    /// <summary>Waits until every pending operation on the array finishes; throws its error if it is poisoned.</summary>
    public void WaitToWrite() => NativeStatus.Check(Native.sn_ndarray_wait_to_write(Handle));

    /// <summary>Waits for every pending operation; throws the first error raised since the previous WaitAll (once).</summary>
    public static void WaitAll() => Engine.WaitAll();

    /// <summary>Starts a scope that disposes every array created inside it (on this async flow) unless moved out.</summary>
    public static NDArrayScope NewScope() => NDArrayScope.Begin();

    /// <summary>Keeps this array alive past the current scope: it moves to the enclosing scope (or to none).</summary>
    public NDArray MoveToOuterScope()
    {
        NDArrayScope.MoveOut(this);
        return this;
    }

    /// <summary>
    /// MXNet's print format: NumPy's rendering of the values (large arrays summarised) and
    /// <c>&lt;NDArray 2x2 @cpu(0)&gt;</c>. Waits for the values (Note [Print format]).
    /// </summary>
    public override string ToString() => IsDisposed ? "<NDArray disposed>" : NDArrayFormatter.Format(this);

    // Native handles and chunks alive (the native side's view of LiveCount).
    internal static (long Handles, long Chunks) NativeLiveCount()
    {
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_ndarray_live_count(out long handles, out long chunks));
        return (handles, chunks);
    }
}
