using System.Text;

namespace Sharpnet.Bindgen.Emit;

/// <summary>Indented text with '\n' line endings and one blank line between members.</summary>
internal sealed class CodeWriter
{
    private const int IndentSize = 4;

    private readonly StringBuilder _text = new();
    private int _depth;
    private bool _blankPending;
    private bool _atBlockStart = true;

    internal void Line(string line)
    {
        if (_blankPending && !_atBlockStart)
        {
            _text.Append('\n');
        }

        _blankPending = false;
        _atBlockStart = false;
        if (line.Length > 0)
        {
            _text.Append(' ', _depth * IndentSize).Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Puts a blank line before the next line unless it opens or closes a block.</summary>
    internal void Separate() => _blankPending = true;

    internal void Open(string header)
    {
        Line(header);
        OpenBrace();
    }

    internal void OpenBrace()
    {
        Line("{");
        _depth++;
        _atBlockStart = true;
    }

    internal void Close()
    {
        _depth--;
        _blankPending = false;
        Line("}");
    }

    public override string ToString() => _text.ToString();
}
