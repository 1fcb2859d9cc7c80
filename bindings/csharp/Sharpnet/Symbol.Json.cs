using System.Text;
using Sharpnet.Interop;

namespace Sharpnet;

// MXNet's JSON format (FORMATS.md "Symbol JSON"): what -symbol.json checkpoint files hold.
public sealed partial class Symbol
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// The graph in MXNet's JSON, as MXNet 1.9 writes it: only the parameters the user set, in Python's spellings,
    /// and <c>"mxnet_version": ["int", 10901]</c> with <c>sharpnet_version</c> beside it.
    /// </summary>
    public unsafe string ToJson()
    {
        NativeStatus.Check(Native.sn_symbol_to_json(Handle, out byte* json));
        return NativeStatus.ReadUtf8(json);
    }

    /// <summary>
    /// A symbol from MXNet JSON of any MXNet 1.x version (legacy spellings upgraded). Malformed text throws
    /// <see cref="ErrorCode.Format"/> naming what is wrong; an unknown operator <see cref="ErrorCode.NotFound"/>.
    /// </summary>
    public static Symbol FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Contains('\0')) throw new SharpnetException(ErrorCode.Format, "Symbol.FromJson: the text holds a NUL character");
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_symbol_from_json(json, out SymbolHandle h));
        return new Symbol(h);
    }

    /// <summary>
    /// Writes <see cref="ToJson"/> to <paramref name="path"/> as UTF-8 without a BOM (MXNet's <c>save</c>), through a
    /// temporary file moved into place, so a failed write never leaves half a file.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json = ToJson();
        string full = Path.GetFullPath(path);
        string temp = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temp, json, Utf8NoBom);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { /* the original error matters */ }
            throw new SharpnetException(ErrorCode.IO, $"Symbol.Save: cannot write '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads a symbol saved by <see cref="Save"/> or by MXNet (a <c>-symbol.json</c> file).</summary>
    public static Symbol Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json;
        try
        {
            json = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpnetException(ErrorCode.IO, $"Symbol.Load: cannot read '{path}': {e.Message}", e);
        }
        try
        {
            return FromJson(json);
        }
        catch (SharpnetException e) when (e.ErrorCode is ErrorCode.Format or ErrorCode.NotFound)
        {
            throw new SharpnetException(e.ErrorCode, $"Symbol.Load: '{path}': {e.Message}", e);
        }
    }
}
