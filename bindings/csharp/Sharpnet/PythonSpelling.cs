using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>Values spelled as Python's <c>str()</c> writes them, which is how MXNet stores attributes.</summary>
internal static class PythonSpelling
{
    /// <summary>
    /// Python's <c>repr(float)</c> (<c>2.0</c>, <c>0.5</c>, <c>1e-05</c>, <c>1e+16</c>, <c>nan</c>, <c>inf</c>), from the
    /// native formatter that spells float parameters, so attributes and parameters never disagree.
    /// </summary>
    internal static unsafe string Float(double value)
    {
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_format_python_float(value, out byte* text));
        return NativeStatus.ReadUtf8(text);
    }
}
