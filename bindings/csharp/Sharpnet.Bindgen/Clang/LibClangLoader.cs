using System.Runtime.InteropServices;

namespace Sharpnet.Bindgen.Clang;

/// <summary>Finds libclang, which Debian ships only under versioned names, and binds <see cref="LibClang"/> to it.</summary>
internal static class LibClangLoader
{
    internal const string OverrideVariable = "SHARPNET_LIBCLANG";

    private static readonly string[] Candidates =
    [
        "libclang-14.so.1",
        "/usr/lib/llvm-14/lib/libclang.so.1",
        "/usr/lib/x86_64-linux-gnu/libclang-14.so.1",
        "libclang.so.1",
        "libclang.so",
    ];

    private static readonly Lazy<nint> Handle = new(Load);

    /// <summary>Loads libclang once per process; throws a <see cref="BindgenException"/> listing every path tried.</summary>
    internal static void EnsureLoaded() => _ = Handle.Value;

    private static nint Load()
    {
        var tried = new List<string>();
        string? overridePath = Environment.GetEnvironmentVariable(OverrideVariable);
        IEnumerable<string> candidates = string.IsNullOrEmpty(overridePath) ? Candidates : Candidates.Prepend(overridePath);
        foreach (string candidate in candidates)
        {
            // NativeLibrary.Load rather than TryLoad: its exception carries the loader's reason.
            try
            {
                nint handle = NativeLibrary.Load(candidate);
                NativeLibrary.SetDllImportResolver(
                    typeof(LibClang).Assembly,
                    (name, _, _) => name == LibClang.LibraryName ? handle : 0);
                return handle;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"  {candidate}: {e.Message}");
            }
        }

        if (string.IsNullOrEmpty(overridePath))
        {
            tried.Insert(0, $"  ${OverrideVariable}: not set");
        }

        throw new BindgenException(
            $"cannot load libclang (install libclang1-14 or set ${OverrideVariable} to its path); tried:{Environment.NewLine}"
            + string.Join(Environment.NewLine, tried));
    }
}
