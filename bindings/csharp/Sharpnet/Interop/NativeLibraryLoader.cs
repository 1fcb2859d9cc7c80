using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Sharpnet.Interop;

// Note [Finding the native library]
// The runtime's own probing runs first: the deps.json native assets of the
// Sharpnet.Runtime.<rid> package, then the application folder. Only when it
// fails does our AssemblyLoadContext.ResolvingUnmanagedDll handler probe
// further (an explicit path, $SHARPNET_NATIVE_PATH, runtimes/<rid>/native
// beside the app). We never call
// NativeLibrary.SetDllImportResolver: that slot belongs to the application.
// Every attempt is recorded, so a failure says exactly where it looked.
internal static class NativeLibraryLoader
{
    internal const string LibraryName = "sharpnet";
    private const string FileName = "libsharpnet.so";

    private static readonly object Gate = new();
    private static readonly List<string> Trace = new();
    private static bool s_registered;
    private static volatile bool s_ready;
    private static SharpnetException? s_failure;

    /// <summary>An explicit library file or folder, consulted after the runtime's own probing.</summary>
    internal static string? ExplicitPath { get; set; }

    /// <summary>Hooks our probing into the load context that loaded Sharpnet. Cheap; idempotent.</summary>
    internal static void Register()
    {
        lock (Gate)
        {
            if (s_registered) return;
            var context = AssemblyLoadContext.GetLoadContext(typeof(NativeLibraryLoader).Assembly) ?? AssemblyLoadContext.Default;
            context.ResolvingUnmanagedDll += OnResolvingUnmanagedDll;
            s_registered = true;
        }
    }

    /// <summary>
    /// Loads the native library and checks its ABI version once; afterwards a volatile read.
    /// A failed load is retried on the next call (the path may have been fixed meanwhile);
    /// an ABI mismatch is final.
    /// </summary>
    internal static void EnsureLoaded()
    {
        if (s_ready) return;
        LoadSlow();
    }

    private static void LoadSlow()
    {
        lock (Gate)
        {
            if (s_ready) return;
            if (s_failure is not null) throw s_failure;
            Register();
            Trace.Clear();
            int major, minor;
            try
            {
                NativeStatus.Check(Native.sn_abi_version(out major, out minor));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                throw new SharpnetException(ErrorCode.NotFound, LoadFailureMessage(e), e);
            }
            string? mismatch = AbiCompatibility.Check(Native.AbiVersionMajor, Native.AbiVersionMinor, major, minor,
                                                      NativeVersion(), ManagedVersion);
            if (mismatch is not null)
            {
                s_failure = new SharpnetException(ErrorCode.InvalidState, mismatch);
                throw s_failure;
            }
            s_ready = true;
        }
    }

    internal static string ManagedVersion =>
        typeof(NativeLibraryLoader).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NativeLibraryLoader).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static unsafe string NativeVersion()
    {
        return Native.sn_library_version(out byte* text) == ErrorCode.Ok ? NativeStatus.ReadUtf8(text) : "unknown";
    }

    private static nint OnResolvingUnmanagedDll(Assembly assembly, string name)
    {
        if (name != LibraryName || assembly != typeof(NativeLibraryLoader).Assembly) return 0;
        lock (Gate)
        {
            Trace.Add($"the runtime's default probing for '{LibraryName}' (deps.json native assets, application folder) found nothing");
            foreach (string candidate in Candidates())
            {
                if (!File.Exists(candidate))
                {
                    Trace.Add($"{candidate}: no such file");
                    continue;
                }
                try
                {
                    nint handle = NativeLibrary.Load(candidate);
                    Trace.Add($"{candidate}: loaded");
                    return handle;
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    Trace.Add($"{candidate}: {e.Message}");
                }
            }
            return 0;
        }
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (string? root in new[] { ExplicitPath, Environment.GetEnvironmentVariable("SHARPNET_NATIVE_PATH") })
        {
            if (string.IsNullOrEmpty(root)) continue;
            yield return Directory.Exists(root) ? Path.Combine(root, FileName) : root;
        }
        string rid = RuntimeInformation.RuntimeIdentifier;
        string portableRid = $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
        string folder = AppContext.BaseDirectory;
        yield return Path.Combine(folder, "runtimes", portableRid, "native", FileName);
        if (rid != portableRid) yield return Path.Combine(folder, "runtimes", rid, "native", FileName);
        yield return Path.Combine(folder, FileName);
    }

    private static string LoadFailureMessage(Exception e)
    {
        var lines = new List<string>
        {
            $"Sharpnet's native library ({FileName}) could not be loaded: {e.Message}",
            "Add the package Sharpnet.Runtime.linux-x64 (same version as Sharpnet), or point SharpnetLibrary.NativeLibraryPath or $SHARPNET_NATIVE_PATH at the file.",
            "Probed:",
        };
        lines.AddRange(Trace.Count > 0 ? Trace.Select(t => "  " + t) : new[] { "  (the runtime's default probing only; no fallback ran)" });
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>The ABI compatibility rule: the same major, and at least the binding's minor.</summary>
internal static class AbiCompatibility
{
    /// <summary>Returns null when compatible, else the message explaining the mismatch.</summary>
    public static string? Check(int expectedMajor, int expectedMinor, int actualMajor, int actualMinor,
                                string nativeVersion, string managedVersion)
    {
        if (actualMajor == expectedMajor && actualMinor >= expectedMinor) return null;
        return $"Sharpnet {managedVersion} needs a native library with ABI {expectedMajor}.{expectedMinor} " +
               $"(or a later {expectedMajor}.x), but the loaded native library (Sharpnet {nativeVersion}) implements ABI " +
               $"{actualMajor}.{actualMinor}. Use the Sharpnet.Runtime package of the same version as the Sharpnet package.";
    }
}
