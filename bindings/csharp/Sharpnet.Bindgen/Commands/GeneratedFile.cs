using System.Text;

namespace Sharpnet.Bindgen.Commands;

/// <summary>Writes a generated file only when its bytes change, or checks that it is fresh.</summary>
internal static class GeneratedFile
{
    private const string RegenerateScript = "scripts/regen-interop.sh";
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    internal static int Write(string path, string content, TextWriter output)
    {
        byte[] bytes = Utf8NoBom.GetBytes(content);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            output.WriteLine($"up to date: {path}");
            return ExitCodes.Ok;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, bytes);
        output.WriteLine($"wrote {path}");
        return ExitCodes.Ok;
    }

    internal static int Check(string path, string content, TextWriter output, TextWriter error)
    {
        byte[]? existing = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (existing is not null && existing.AsSpan().SequenceEqual(Utf8NoBom.GetBytes(content)))
        {
            output.WriteLine($"fresh: {path}");
            return ExitCodes.Ok;
        }

        error.WriteLine($"stale: {path} differs from what the generator produces; run {RegenerateScript}");
        error.WriteLine(existing is null ? "  the file does not exist" : FirstDifference(Utf8NoBom.GetString(existing), content));
        return ExitCodes.Stale;
    }

    private static string FirstDifference(string existing, string generated)
    {
        string[] existingLines = existing.Split('\n');
        string[] generatedLines = generated.Split('\n');
        int line = 0;
        while (line < existingLines.Length && line < generatedLines.Length && existingLines[line] == generatedLines[line])
        {
            line++;
        }

        return $"  first difference at line {line + 1}:{Environment.NewLine}"
            + $"  file:      {At(existingLines, line)}{Environment.NewLine}"
            + $"  generated: {At(generatedLines, line)}";
    }

    private static string At(string[] lines, int index) => index < lines.Length ? lines[index] : "<end of file>";
}
