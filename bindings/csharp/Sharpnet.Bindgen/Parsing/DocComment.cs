namespace Sharpnet.Bindgen.Parsing;

/// <summary>Turns a raw doc comment (<c>/** ... */</c> or <c>///</c>) into its text lines.</summary>
internal static class DocComment
{
    internal static IReadOnlyList<string> Lines(string? raw)
    {
        if (raw is null)
        {
            return [];
        }

        string body = raw.Trim();
        if (body.StartsWith("/**", StringComparison.Ordinal) || body.StartsWith("/*!", StringComparison.Ordinal))
        {
            body = body[3..];
            body = body.EndsWith("*/", StringComparison.Ordinal) ? body[..^2] : body;
        }

        var lines = new List<string>();
        foreach (string rawLine in body.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.StartsWith("///", StringComparison.Ordinal) || line.StartsWith("//!", StringComparison.Ordinal))
            {
                line = line[3..];
            }
            else if (line.StartsWith('*'))
            {
                line = line[1..];
            }

            lines.Add(line.Trim());
        }

        int first = lines.FindIndex(line => line.Length > 0);
        int last = lines.FindLastIndex(line => line.Length > 0);
        return first < 0 ? [] : lines.GetRange(first, last - first + 1);
    }
}
