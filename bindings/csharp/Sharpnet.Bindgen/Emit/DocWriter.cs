using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Emit;

/// <summary>XML doc comments from the header's doc comments and SN_* annotations.</summary>
internal static class DocWriter
{
    internal static void Summary(CodeWriter writer, IReadOnlyList<string> lines)
    {
        switch (lines.Count)
        {
            case 0:
                return;
            case 1:
                writer.Line($"/// <summary>{Escape(lines[0])}</summary>");
                return;
            default:
                writer.Line("/// <summary>");
                foreach (string line in lines)
                {
                    writer.Line(line.Length == 0 ? "///" : $"/// {Escape(line)}");
                }

                writer.Line("/// </summary>");
                return;
        }
    }

    /// <summary>A param tag for each parameter whose annotations say something about ownership, nullability or length.</summary>
    internal static void Parameters(CodeWriter writer, IEnumerable<Parameter> parameters)
    {
        foreach (Parameter parameter in parameters)
        {
            string text = ParameterText(parameter.Annotations);
            if (text.Length > 0)
            {
                writer.Line($"/// <param name=\"{parameter.CName}\">{Escape(text)}</param>");
            }
        }
    }

    /// <summary>Plain comment lines, for declarations C# has no place for (callback typedefs).</summary>
    internal static void Comment(CodeWriter writer, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            writer.Line(line.Length == 0 ? "//" : $"// {line}");
        }
    }

    private static string ParameterText(Annotations annotations)
    {
        var sentences = new List<string>();
        if (annotations.Nullable)
        {
            sentences.Add("May be null.");
        }

        if (annotations.Borrowed)
        {
            sentences.Add("Borrowed: valid until the next call on this thread.");
        }

        if (annotations.Static)
        {
            sentences.Add("Static: valid for the life of the process.");
        }

        if (annotations.CallerFrees is { } free)
        {
            sentences.Add($"The caller frees it with {free}.");
        }

        if (annotations.LengthOf is { } pointer)
        {
            sentences.Add($"Number of elements of {pointer}.");
        }

        return string.Join(" ", sentences);
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
}
