namespace Sharpnet.Interop;

internal static partial class Native
{
    // Runs before the first P/Invoke of this class: hooks our fallback probing (Note [Finding the native library]).
    static Native() => NativeLibraryLoader.Register();
}
