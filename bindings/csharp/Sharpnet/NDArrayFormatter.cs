using System.Globalization;
using System.Text;

namespace Sharpnet;

// Note [Print format]
// NDArray.ToString prints what MXNet prints: NumPy's str() of the values
// (array2string with its defaults: precision 8, "maxprec" float mode, line
// width 75, arrays over 1000 elements summarised with 3 edge items per axis)
// followed by "<NDArray 2x2 @cpu(0)>". Floats print with the shortest digits
// that identify the value in its own dtype (at most 8 after the point),
// padded so the points align; they switch to scientific notation when the
// largest magnitude is >= 1e8, the smallest non-zero is < 1e-4, or their
// ratio exceeds 1000. Known differences from NumPy: bfloat16 values print
// with float32's shortest digits (NumPy has no bfloat16), and MXNet's repr
// starts with a newline, which ToString omits.
internal static class NDArrayFormatter
{
    private const int Precision = 8;
    private const int LineWidth = 75;
    private const int Threshold = 1000;
    private const int EdgeItems = 3;

    public static string Format(NDArray a)
    {
        var body = a.Size == 0 ? EmptyBody(a) : Body(a);
        string dims = a.NDim == 0 ? "" : string.Join("x", a.Shape.Dims.ToArray());
        return $"{body}\n<NDArray {dims} @{a.Context}>";
    }

    private static string EmptyBody(NDArray a) => "[]";

    private static string Body(NDArray a)
    {
        bool summarize = a.Size > Threshold;
        // The elements to print: everything, or the edge items of every long axis.
        var picks = new int[a.NDim][];
        for (int d = 0; d < a.NDim; d++)
        {
            int n = checked((int)a.Shape[d]);
            picks[d] = summarize && n > 2 * EdgeItems
                ? new[] { 0, 1, 2, n - 3, n - 2, n - 1 }
                : Enumerable.Range(0, n).ToArray();
        }
        double[] values = Gather(a, picks, out bool[] summarized);
        var format = ElementFormat.For(a.DType, values);
        var dims = picks.Select(p => p.Length).ToArray();
        return Recurse(values, dims, summarized, format, 0, 0, " ", LineWidth);
    }

    // Reads the picked elements (row-major over the picks) with one copy per run of the last axis.
    private static double[] Gather(NDArray a, int[][] picks, out bool[] summarized)
    {
        int nd = a.NDim;
        summarized = new bool[nd];
        for (int d = 0; d < nd; d++) summarized[d] = picks[d].Length < a.Shape[d];
        long total = 1;
        foreach (var p in picks) total *= p.Length;
        var values = new double[total];
        if (!summarized.Any(s => s))
        {
            a.CopyTo<double>(values);
            return values;
        }
        var strides = new long[nd];
        long stride = 1;
        for (int d = nd - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= a.Shape[d];
        }
        int[] last = picks[nd - 1];
        var idx = new int[Math.Max(nd - 1, 0)];
        long outPos = 0;
        Span<double> run = stackalloc double[Math.Max(last.Length, 1)];
        while (true)
        {
            long baseOffset = 0;
            for (int d = 0; d < nd - 1; d++) baseOffset += picks[d][idx[d]] * strides[d];
            // The last axis: contiguous runs of picked positions.
            int i = 0;
            while (i < last.Length)
            {
                int j = i;
                while (j + 1 < last.Length && last[j + 1] == last[j] + 1) j++;
                var span = values.AsSpan((int)outPos + i, j - i + 1);
                a.CopyTo<double>(span, baseOffset + last[i]);
                i = j + 1;
            }
            outPos += last.Length;
            int k = nd - 2;
            while (k >= 0 && ++idx[k] == picks[k].Length)
            {
                idx[k] = 0;
                k--;
            }
            if (k < 0) break;
        }
        return values;
    }

    // NumPy's _formatArray: nested brackets, a hanging indent, wrapping at the line width.
    private static string Recurse(double[] values, int[] dims, bool[] summarized, ElementFormat format, int axis,
                                  long offset, string hangingIndent, int currWidth)
    {
        int axesLeft = dims.Length - axis;
        string nextIndent = hangingIndent + " ";
        int nextWidth = currWidth - 1;
        int len = dims[axis];
        long block = 1;
        for (int d = axis + 1; d < dims.Length; d++) block *= dims[d];
        bool showSummary = summarized[axis];
        int leading = showSummary ? EdgeItems : 0;
        int trailing = showSummary ? EdgeItems : len;
        var s = new StringBuilder();
        if (axesLeft == 1)
        {
            string line = hangingIndent;
            for (int i = 0; i < leading; i++)
            {
                Extend(s, ref line, format.Format(values[offset + i]), currWidth, hangingIndent);
                line += " ";
            }
            if (showSummary)
            {
                Extend(s, ref line, "...", currWidth, hangingIndent);
                line += " ";
            }
            for (int i = trailing; i > 1; i--)
            {
                Extend(s, ref line, format.Format(values[offset + len - i]), currWidth, hangingIndent);
                line += " ";
            }
            Extend(s, ref line, format.Format(values[offset + len - 1]), currWidth, hangingIndent);
            s.Append(line);
        }
        else
        {
            string lineSep = new('\n', axesLeft - 1);
            for (int i = 0; i < leading; i++)
                s.Append(hangingIndent).Append(Recurse(values, dims, summarized, format, axis + 1, offset + i * block, nextIndent, nextWidth)).Append(lineSep);
            if (showSummary) s.Append(hangingIndent).Append("...").Append(lineSep);
            for (int i = trailing; i > 1; i--)
                s.Append(hangingIndent).Append(Recurse(values, dims, summarized, format, axis + 1, offset + (len - i) * block, nextIndent, nextWidth)).Append(lineSep);
            s.Append(hangingIndent).Append(Recurse(values, dims, summarized, format, axis + 1, offset + (len - 1) * block, nextIndent, nextWidth));
        }
        return "[" + s.ToString(hangingIndent.Length, s.Length - hangingIndent.Length) + "]";
    }

    private static void Extend(StringBuilder s, ref string line, string word, int width, string nextLinePrefix)
    {
        bool wrap = line.Length + word.Length > width && line.Length > nextLinePrefix.Length;
        if (wrap)
        {
            s.Append(line.TrimEnd()).Append('\n');
            line = nextLinePrefix;
        }
        line += word;
    }

    // How one element prints, decided from all printed elements (NumPy's FloatingFormat / IntegerFormat / BoolFormat).
    private sealed class ElementFormat
    {
        private DType _dtype;
        private bool _exp;
        private int _padLeft, _padRight, _expSize, _fracDigits, _width;

        public static ElementFormat For(DType dtype, double[] values)
        {
            var f = new ElementFormat { _dtype = dtype };
            if (dtype == DType.Bool)
            {
                f._width = values.Any(v => v == 0) ? 5 : 4;
            }
            else if (!dtype.IsFloatingPoint())
            {
                f._width = values.Length == 0 ? 1 : values.Max(v => ((long)v).ToString(CultureInfo.InvariantCulture).Length);
            }
            else
            {
                f.FitFloats(values);
            }
            return f;
        }

        private void FitFloats(double[] values)
        {
            var finite = values.Where(double.IsFinite).ToArray();
            var nonZero = finite.Where(v => v != 0).Select(Math.Abs).ToArray();
            if (nonZero.Length > 0)
            {
                double max = nonZero.Max(), min = nonZero.Min();
                _exp = max >= 1e8 || min < 1e-4 || max / min > 1000.0;
            }
            if (finite.Length == 0)
            {
                _padLeft = 0;
                _padRight = 0;
            }
            else if (_exp)
            {
                var parts = finite.Select(v => Scientific(v, -1)).ToArray();
                _fracDigits = parts.Max(p => p.Frac.Length);
                _expSize = parts.Max(p => p.Exp.Length);
                _padLeft = parts.Max(p => p.Int.Length);
                _padRight = _expSize + 2 + _fracDigits;
            }
            else
            {
                var parts = finite.Select(Positional).ToArray();
                _padLeft = parts.Max(p => p.Int.Length);
                _padRight = parts.Max(p => p.Frac.Length);
            }
            if (finite.Length != values.Length)
            {
                bool negInf = values.Any(v => double.IsNegativeInfinity(v));
                int offset = _padRight + 1;
                _padLeft = Math.Max(_padLeft, Math.Max(3 - offset, 3 + (negInf ? 1 : 0) - offset));
            }
        }

        public string Format(double v)
        {
            if (_dtype == DType.Bool) return (v != 0 ? "True" : "False").PadLeft(_width);
            if (!_dtype.IsFloatingPoint()) return ((long)v).ToString(CultureInfo.InvariantCulture).PadLeft(_width);
            if (!double.IsFinite(v))
            {
                string r = double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
                return r.PadLeft(_padLeft + _padRight + 1);
            }
            if (_exp)
            {
                var (i, f, e) = Scientific(v, _fracDigits);
                return $"{i.PadLeft(_padLeft)}.{f}e{e}";
            }
            var (ip, fp) = Positional(v);
            return $"{ip.PadLeft(_padLeft)}.{fp.PadRight(_padRight)}";
        }

        // Shortest digits identifying v in the array's dtype, positional, at most 8 after the point.
        private (string Int, string Frac) Positional(double v)
        {
            string s = ShortestDecimal(v);  // plain decimal, no exponent
            int dot = s.IndexOf('.');
            string ip = dot < 0 ? s : s[..dot];
            string fp = dot < 0 ? "" : s[(dot + 1)..];
            if (fp.Length > Precision)
            {
                string r = v.ToString("F" + Precision, CultureInfo.InvariantCulture).TrimEnd('0');
                dot = r.IndexOf('.');
                ip = r[..dot];
                fp = r[(dot + 1)..];
            }
            if (ip == "-0" && fp.All(c => c == '0')) ip = "-0";
            return (ip, fp);
        }

        // d.ddd e±XX with the shortest identifying digits (at most 8 after the point), or `digits` fixed.
        private (string Int, string Frac, string Exp) Scientific(double v, int digits)
        {
            string s = ShortestDecimal(v);
            bool neg = s.StartsWith('-');
            if (neg) s = s[1..];
            string mant = s.Replace(".", "");
            int point = s.IndexOf('.') < 0 ? s.Length : s.IndexOf('.');
            int lead = 0;
            while (lead < mant.Length - 1 && mant[lead] == '0') lead++;
            int exp = point - lead - 1;
            string sig = mant[lead..].TrimEnd('0');
            if (sig.Length == 0) sig = "0";
            if (sig.Length > Precision + 1)
            {
                string r = Math.Abs(v).ToString("E" + Precision, CultureInfo.InvariantCulture);  // d.dddddddde+XXX
                sig = r[..r.IndexOf('E')].Replace(".", "").TrimEnd('0');
                exp = int.Parse(r[(r.IndexOf('E') + 1)..], CultureInfo.InvariantCulture);
            }
            string frac = sig.Length > 1 ? sig[1..] : "";
            if (digits >= 0) frac = frac.PadRight(digits, '0');
            string e = (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
            if (digits >= 0 && _expSize > e.Length) e = e[0] + e[1..].PadLeft(_expSize - 1, '0');
            return ((neg ? "-" : "") + sig[0], frac, e);
        }

        // The shortest round-trip decimal of v in the array's own precision, as a plain positional string.
        private string ShortestDecimal(double v)
        {
            string r = _dtype switch
            {
                DType.Float32 => ((float)v).ToString("R", CultureInfo.InvariantCulture),
                DType.BFloat16 => ((float)v).ToString("R", CultureInfo.InvariantCulture),
                DType.Float16 => ((Half)v).ToString(CultureInfo.InvariantCulture),
                _ => v.ToString("R", CultureInfo.InvariantCulture),
            };
            return ToPositional(r);
        }

        private static string ToPositional(string r)
        {
            int e = r.IndexOfAny(new[] { 'E', 'e' });
            if (e < 0) return r;
            bool neg = r.StartsWith('-');
            string m = r[(neg ? 1 : 0)..e];
            int exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            int dot = m.IndexOf('.');
            string digits = m.Replace(".", "");
            int point = (dot < 0 ? m.Length : dot) + exp;
            string body;
            if (point <= 0) body = "0." + new string('0', -point) + digits;
            else if (point >= digits.Length) body = digits + new string('0', point - digits.Length);
            else body = digits[..point] + "." + digits[point..];
            return (neg ? "-" : "") + body;
        }
    }
}
