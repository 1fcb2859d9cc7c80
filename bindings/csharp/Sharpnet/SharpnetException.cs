namespace Sharpnet;

/// <summary>
/// A failure reported by Sharpnet's native library: a bad argument, shape, dtype, parameter or file,
/// or an error raised inside an asynchronous operation. The message says what was expected and what was given.
/// </summary>
public class SharpnetException : Exception
{
    /// <summary>Creates an exception with the native error code and message.</summary>
    public SharpnetException(ErrorCode errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The kind of failure (the native status).</summary>
    public ErrorCode ErrorCode { get; }
}
