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

    /// <summary>
    /// The engine implementation: <see cref="EngineKind.Threaded"/> (default) or <see cref="EngineKind.Naive"/>
    /// (every operation runs synchronously where it is called; for debugging). Settable only before the engine
    /// starts (the first operation starts it).
    /// </summary>
    public static EngineKind Kind
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_engine_get_kind(out EngineKind kind));
            return kind;
        }
        set
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_engine_set_kind(value));
        }
    }

    /// <summary>Worker threads of each CPU device: compute (kernels) and copy/IO.</summary>
    public static (int Compute, int Copy) CpuWorkers
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_engine_get_cpu_workers(out int compute, out int copy));
            return (compute, copy);
        }
    }

    /// <summary>
    /// Sets the worker threads of each CPU device (defaults: 1 compute, so one operator at a time uses all
    /// <see cref="IntraOpThreads"/>; 1 copy/IO). Only before the engine starts.
    /// </summary>
    public static void SetCpuWorkers(int compute, int copy)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_engine_set_cpu_workers(compute, copy));
    }

    /// <summary>
    /// Bounds the operations pushed but not finished (default 65536): a producer beyond it waits, so it cannot
    /// queue unbounded memory. Disposing arrays never waits.
    /// </summary>
    public static void SetMaxPendingOps(long maxPending)
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_engine_set_max_pending_ops(maxPending));
    }

    /// <summary>Operations pushed and not yet finished.</summary>
    public static long PendingOps
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_engine_pending_ops(out long count));
            return count;
        }
    }

    /// <summary>
    /// Waits for every operation pushed so far; throws the first error an operation raised since the previous
    /// WaitAll (once) as a <see cref="SharpnetException"/>.
    /// </summary>
    public static void WaitAll()
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_engine_wait_all());
    }

    /// <summary>
    /// Waits for pending operations and stops the engine's threads. Later operations fail; disposing still works.
    /// For hosts that unload or exit deliberately; idempotent.
    /// </summary>
    public static void Shutdown()
    {
        NativeLibraryLoader.EnsureLoaded();
        NativeStatus.Check(Native.sn_runtime_shutdown());
    }
}
