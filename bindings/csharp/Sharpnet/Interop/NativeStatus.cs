using System.Runtime.InteropServices;

namespace Sharpnet.Interop;

/// <summary>Turns native statuses into exceptions.</summary>
internal static unsafe class NativeStatus
{
    /// <summary>Throws a <see cref="SharpnetException"/> carrying this thread's native error message unless <paramref name="status"/> is Ok.</summary>
    public static void Check(ErrorCode status)
    {
        if (status != ErrorCode.Ok) Throw(status);
    }

    private static void Throw(ErrorCode status)
    {
        string message = Marshal.PtrToStringUTF8((nint)Native.sn_last_error()) ?? "";
        if (message.Length == 0) message = $"native call failed with {status}";
        throw new SharpnetException(status, message);
    }

    /// <summary>Reads a borrowed or static UTF-8 string the native library returned.</summary>
    public static string ReadUtf8(byte* text) => Marshal.PtrToStringUTF8((nint)text) ?? "";
}
