using System.Globalization;
using System.Text;

namespace Sharpnet;

/// <summary>Values spelled as Python's <c>str()</c> writes them, which is how MXNet stores attributes.</summary>
internal static class PythonSpelling
{
    /// <summary>
    /// Python's <c>repr(float)</c>: the shortest digits that round-trip, ".0" on integers, exponent form below 1e-4
    /// and from 1e16 (<c>2.0</c>, <c>0.5</c>, <c>1e-05</c>, <c>1e+16</c>, <c>nan</c>, <c>inf</c>).
    /// </summary>
    internal static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // Shortest round-trip digits and the decimal point's position: value = 0.<digits> * 10^point.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOfAny(['E', 'e']);
        string mantissa = e < 0 ? r : r[..e];
        int exponent = e < 0 ? 0 : int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        int dot = mantissa.IndexOf('.');
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int point = (dot < 0 ? mantissa.Length : dot) + exponent;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        point -= lead;

        var sb = new StringBuilder();
        if (value < 0) sb.Append('-');
        if (point > -4 && point <= 16)
        {
            if (point <= 0) sb.Append("0.").Append('0', -point).Append(digits);
            else if (point >= digits.Length) sb.Append(digits).Append('0', point - digits.Length).Append(".0");
            else sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            int x = point - 1;
            sb.Append('e').Append(x < 0 ? '-' : '+').Append(Math.Abs(x).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
