using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>Facts about the loaded native library and how it is found.</summary>
public static unsafe class SharpnetLibrary
{
    /// <summary>
    /// A file or folder to load libsharpnet.so from when the runtime's own probing (the Sharpnet.Runtime package's
    /// native assets, the application folder) finds nothing. Set it before the first Sharpnet call.
    /// </summary>
    public static string? NativeLibraryPath
    {
        get => NativeLibraryLoader.ExplicitPath;
        set => NativeLibraryLoader.ExplicitPath = value;
    }

    /// <summary>Loads the native library and checks that its ABI matches this binding; throws <see cref="SharpnetException"/> if not.</summary>
    public static void EnsureLoaded() => NativeLibraryLoader.EnsureLoaded();

    /// <summary>The native library's version, e.g. "0.1.0".</summary>
    public static string Version
    {
        get
        {
            EnsureLoaded();
            NativeStatus.Check(Native.sn_library_version(out byte* text));
            return NativeStatus.ReadUtf8(text);
        }
    }

    /// <summary>The managed library's version.</summary>
    public static string ManagedVersion => NativeLibraryLoader.ManagedVersion;

    /// <summary>The native ABI version (major, minor).</summary>
    public static (int Major, int Minor) AbiVersion
    {
        get
        {
            EnsureLoaded();
            NativeStatus.Check(Native.sn_abi_version(out int major, out int minor));
            return (major, minor);
        }
    }

    /// <summary>One line per fact about the native build: compiler, flags, oneDNN version, CPU code path, cores.</summary>
    public static string BuildInfo
    {
        get
        {
            EnsureLoaded();
            NativeStatus.Check(Native.sn_runtime_build_info(out byte* text));
            return NativeStatus.ReadUtf8(text);
        }
    }

    /// <summary>
    /// Whether a feature is available: "CUDA", "CUDNN", "NCCL", "MPI", "DNNL", "OPENMP" (build) or "AVX2", "AVX512",
    /// "AVX512_BF16", "F16C" (this CPU). An unknown name throws with ErrorCode.NotFound.
    /// </summary>
    public static bool HasFeature(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnsureLoaded();
        NativeStatus.Check(Native.sn_runtime_has_feature(name, out byte available));
        return available != 0;
    }
}
