using System.Text;

namespace Sharpnet.Interop;

/// <summary>
/// The ABI's lists of text: UTF-8 strings each followed by a NUL (names; parameters as key, NUL, value, NUL). A NUL
/// inside an item would shift every item after it, so it is refused naming the item.
/// </summary>
internal static class NulText
{
    /// <summary>The items, each followed by a NUL; <paramref name="what"/> names them in errors.</summary>
    internal static byte[] Join(IEnumerable<string> items, string what)
    {
        var bytes = new List<byte>();
        foreach (string item in items) Append(bytes, item, what);
        return bytes.ToArray();
    }

    /// <summary>Key, NUL, value, NUL, ... (MXNet's string parameters); a null value throws naming its key.</summary>
    internal static byte[] Pairs(IEnumerable<KeyValuePair<string, string>> pairs, string what)
    {
        var bytes = new List<byte>();
        foreach (var (key, value) in pairs)
        {
            if (value is null) throw new ArgumentNullException(what, $"{what}: '{key}' is null");
            Append(bytes, key, what);
            Append(bytes, value, what);
        }
        return bytes.ToArray();
    }

    /// <summary><paramref name="count"/> strings from a native list of <paramref name="length"/> bytes.</summary>
    internal static unsafe string[] Split(byte* text, long length, int count)
    {
        var items = new string[count];
        var span = new ReadOnlySpan<byte>(text, checked((int)length));
        for (int i = 0; i < count; i++)
        {
            int end = span.IndexOf((byte)0);
            if (end < 0) throw new SharpnetException(ErrorCode.Internal, $"a native text list holds fewer than {count} items");
            items[i] = Encoding.UTF8.GetString(span[..end]);
            span = span[(end + 1)..];
        }
        return items;
    }

    private static void Append(List<byte> bytes, string item, string what)
    {
        if (item.Contains('\0'))
            throw new ArgumentException($"{what}: '{item.Replace("\0", "\\0", StringComparison.Ordinal)}' holds a NUL character");
        bytes.AddRange(Encoding.UTF8.GetBytes(item));
        bytes.Add(0);
    }
}
