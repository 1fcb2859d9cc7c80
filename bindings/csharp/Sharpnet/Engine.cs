using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// Settings of the native execution engine. They are set through the native library, not environment variables:
/// variables set by a running .NET process never reach native code that has already read them.
/// </summary>
public static class Engine
{
    /// <summary>Cores this process may use (its CPU affinity and cgroup quota applied).</summary>
    public static int NumCores
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_runtime_num_cores(out int count));
            return count;
        }
    }

    /// <summary>
    /// Threads one operator may use (OpenMP, oneDNN). Defaults to <see cref="NumCores"/>; setting 0 restores the
    /// default. Applies to operators started afterwards.
    /// </summary>
    public static int IntraOpThreads
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_runtime_get_intra_op_threads(out int threads));
            return threads;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_runtime_set_intra_op_threads(value));
        }
    }
}
