using System;
using System.Runtime.InteropServices.Marshalling;

namespace Sharpnet.Interop;

/// <summary>
/// UTF-8 marshalling of text passed to the native library that refuses NUL characters: C reads a NUL as the end of
/// the text, so "w\0x" would silently become the name "w" (or a file path a shorter one). Every generated import with
/// <c>const char*</c> parameters uses it (interop.json's stringMarshaller).
/// </summary>
[CustomMarshaller(typeof(string), MarshalMode.ManagedToUnmanagedIn, typeof(StrictUtf8StringMarshaller))]
internal static unsafe class StrictUtf8StringMarshaller
{
    public static byte* ConvertToUnmanaged(string? managed)
    {
        if (managed is not null && managed.Contains('\0'))
            throw new ArgumentException(
                $"text passed to Sharpnet must not contain NUL characters, got \"{managed.Replace("\0", "\\0", StringComparison.Ordinal)}\"");
        return Utf8StringMarshaller.ConvertToUnmanaged(managed);
    }

    public static void Free(byte* unmanaged) => Utf8StringMarshaller.Free(unmanaged);
}
