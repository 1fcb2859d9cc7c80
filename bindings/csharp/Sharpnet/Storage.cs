using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>Memory statistics of a device's pool, in bytes (<see cref="Limit"/> 0: no limit).</summary>
/// <param name="InUse">Bytes held by live arrays.</param>
/// <param name="Cached">Bytes freed into the pool and kept for reuse.</param>
/// <param name="Peak">The highest <paramref name="InUse"/> since start or <see cref="Storage.ResetPeak"/>.</param>
/// <param name="Limit">The limit on in-use plus cached bytes; 0 when none.</param>
public readonly record struct MemoryStats(long InUse, long Cached, long Peak, long Limit);

/// <summary>The pooled device memory behind arrays. All CPU contexts share one pool.</summary>
public static class Storage
{
    /// <summary>The pool statistics of <paramref name="context"/>'s device.</summary>
    public static MemoryStats GetStats(Context context)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_storage_get_stats(context.DeviceType, context.DeviceId, out long inUse,
                                                       out long cached, out long peak, out long limit));
        return new MemoryStats(inUse, cached, peak, limit);
    }

    /// <summary>Returns the memory cached by the pool to the system.</summary>
    public static void ReleaseAll(Context context)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_storage_release_all(context.DeviceType, context.DeviceId));
    }

    /// <summary>Restarts the peak statistic from what is in use now.</summary>
    public static void ResetPeak(Context context)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_storage_reset_peak(context.DeviceType, context.DeviceId));
    }

    /// <summary>
    /// Limits what the pool holds (in use plus cached) to <paramref name="bytes"/>; 0 removes the limit. An
    /// allocation past it releases the cache and retries once, then throws a <see cref="SharpnetException"/>
    /// with <see cref="ErrorCode.OutOfMemory"/> instead of meeting the system's OOM killer.
    /// </summary>
    public static void SetMemoryLimit(Context context, long bytes)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_storage_set_memory_limit(context.DeviceType, context.DeviceId, bytes));
    }
}
