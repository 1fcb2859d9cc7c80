using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>
/// Routes the native library's log messages to an <see cref="ILogger"/> (by default they go to stderr at
/// Warning and above, or at $SHARPNET_LOG_LEVEL).
/// </summary>
public static unsafe class SharpnetLogging
{
    private static readonly object Gate = new();
    private static volatile ILogger? s_logger;
    private static bool s_exitHooked;

    /// <summary>
    /// Sends native messages to <paramref name="logger"/>; null restores stderr. The native minimum level follows the
    /// lowest level the logger has enabled, so messages nobody reads are never formatted.
    /// </summary>
    public static void UseLogger(ILogger? logger)
    {
        NativeLibraryLoader.EnsureLoaded();
        lock (Gate)
        {
            s_logger = logger;
            if (logger is null)
            {
                NativeStatus.Check(Native.sn_log_set_callback(null, null));
                return;
            }
            NativeStatus.Check(Native.sn_log_set_callback(&OnNativeLog, null));
            MinimumLevel = LowestEnabled(logger);
            if (!s_exitHooked)
            {
                // Native threads must not call into a runtime that is shutting down.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Native.sn_log_set_callback(null, null);
                s_exitHooked = true;
            }
        }
    }

    /// <summary>Sends native messages to a logger named "Sharpnet" from <paramref name="factory"/>.</summary>
    public static void UseLoggerFactory(ILoggerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        UseLogger(factory.CreateLogger("Sharpnet"));
    }

    /// <summary>The lowest level the native library logs (LogLevel.None silences it).</summary>
    public static LogLevel MinimumLevel
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_log_get_level(out NativeLogLevel level));
            return (LogLevel)(int)level;
        }
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), $"unknown log level {(int)value}");
            NativeLibraryLoader.EnsureLoaded();
            NativeStatus.Check(Native.sn_log_set_level((NativeLogLevel)(int)value));
        }
    }

    private static LogLevel LowestEnabled(ILogger logger)
    {
        for (var level = LogLevel.Trace; level < LogLevel.None; level++)
            if (logger.IsEnabled(level)) return level;
        return LogLevel.None;
    }

    [UnmanagedCallersOnly]
    private static void OnNativeLog(void* userData, NativeLogLevel level, byte* message)
    {
        try
        {
            s_logger?.Log((LogLevel)(int)level, "{Message}", Marshal.PtrToStringUTF8((nint)message));
        }
        catch
        {
            // An exception must never unwind into native code; a failing logger loses the message.
        }
    }
}
