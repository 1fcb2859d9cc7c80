using System.Globalization;
using Sharpnet.Interop;

namespace Sharpnet;

// Arithmetic with NDArray's semantics: Symbol-Symbol forms broadcast (broadcast_add, ...; a deliberate deviation from
// MXNet 1.x, which records the same-shape _Plus, FORMATS.md "Symbol JSON"), Symbol-scalar forms use the scalar ops
// (_plus_scalar, _rminus_scalar, ...). Nodes are named with MXNet 1.x's hints, so A + B is _plus0 and A / 10 is
// _divscalar0 as in MXNet; the JSON's op field holds the operator actually recorded.
public sealed partial class Symbol
{
    private static class Ops
    {
        internal static readonly Binary Add = new("broadcast_add", "_plus"), Sub = new("broadcast_sub", "_minus"),
            Mul = new("broadcast_mul", "_mul"), Div = new("broadcast_div", "_div"), Mod = new("broadcast_mod", "_mod"),
            Pow = new("broadcast_power", "_power");

        // MXNet's Python calls the scalar ops by these aliases, so nodes are named after them (_plusscalar0).
        internal static readonly ScalarOp AddS = new("_PlusScalar"), SubS = new("_MinusScalar"), RSubS = new("_RMinusScalar"),
            MulS = new("_MulScalar"), DivS = new("_DivScalar"), RDivS = new("_RDivScalar"), ModS = new("_ModScalar"),
            RModS = new("_RModScalar"), PowS = new("_PowerScalar"), RPowS = new("_RPowerScalar");
    }

    private sealed record Binary(Operator Op, string Hint)
    {
        internal Binary(string op, string hint) : this(Operator.Get(op), hint) { }
    }

    // The scalar parameter's position is looked up once, not per call.
    private sealed record ScalarOp(Operator Op, string Hint, int Scalar)
    {
        internal ScalarOp(string alias) : this(Operator.Get(alias), alias.ToLowerInvariant(), Operator.Get(alias).Param("scalar").Index) { }
    }

    private static Symbol Apply(Binary op, Symbol a, Symbol b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var args = OpArgs.Rent(op.Op);
        return Compose(args, [a, b], null, op.Hint);
    }

    private static Symbol Scalar(ScalarOp op, Symbol a, double scalar)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var args = OpArgs.Rent(op.Op);
        args.Add(op.Scalar, scalar);
        return Compose(args, [a], null, op.Hint);
    }

    // An integer scalar is recorded as Python writes an int ("10", not "10.0"), so `a / 10` saves as MXNet's would.
    private static Symbol Scalar(ScalarOp op, Symbol a, long scalar)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var args = OpArgs.Rent(op.Op);
        args.Add(op.Scalar, scalar.ToString(CultureInfo.InvariantCulture));
        return Compose(args, [a], null, op.Hint);
    }

    /// <summary>a + b with NumPy broadcasting (broadcast_add; named _plus0, ...).</summary>
    public static Symbol operator +(Symbol a, Symbol b) => Apply(Ops.Add, a, b);
    /// <summary>a - b with broadcasting.</summary>
    public static Symbol operator -(Symbol a, Symbol b) => Apply(Ops.Sub, a, b);
    /// <summary>a * b with broadcasting.</summary>
    public static Symbol operator *(Symbol a, Symbol b) => Apply(Ops.Mul, a, b);
    /// <summary>a / b with broadcasting.</summary>
    public static Symbol operator /(Symbol a, Symbol b) => Apply(Ops.Div, a, b);
    /// <summary>a mod b with broadcasting (the result takes b's sign).</summary>
    public static Symbol operator %(Symbol a, Symbol b) => Apply(Ops.Mod, a, b);
    /// <summary>-a, recorded as a * -1.0 (_mul_scalar), as MXNet does.</summary>
    public static Symbol operator -(Symbol a) => Scalar(Ops.MulS, a, -1.0);

    /// <summary>a + s (_plus_scalar; named _plusscalar0, ...).</summary>
    public static Symbol operator +(Symbol a, double s) => Scalar(Ops.AddS, a, s);
    /// <summary>s + a.</summary>
    public static Symbol operator +(double s, Symbol a) => Scalar(Ops.AddS, a, s);
    /// <summary>a - s.</summary>
    public static Symbol operator -(Symbol a, double s) => Scalar(Ops.SubS, a, s);
    /// <summary>s - a (_rminus_scalar).</summary>
    public static Symbol operator -(double s, Symbol a) => Scalar(Ops.RSubS, a, s);
    /// <summary>a * s.</summary>
    public static Symbol operator *(Symbol a, double s) => Scalar(Ops.MulS, a, s);
    /// <summary>s * a.</summary>
    public static Symbol operator *(double s, Symbol a) => Scalar(Ops.MulS, a, s);
    /// <summary>a / s.</summary>
    public static Symbol operator /(Symbol a, double s) => Scalar(Ops.DivS, a, s);
    /// <summary>s / a (_rdiv_scalar).</summary>
    public static Symbol operator /(double s, Symbol a) => Scalar(Ops.RDivS, a, s);
    /// <summary>a mod s.</summary>
    public static Symbol operator %(Symbol a, double s) => Scalar(Ops.ModS, a, s);
    /// <summary>s mod a (_rmod_scalar).</summary>
    public static Symbol operator %(double s, Symbol a) => Scalar(Ops.RModS, a, s);

    /// <summary>a ^ b with broadcasting (broadcast_power; named _power0, ...). C# has no power operator.</summary>
    public static Symbol Pow(Symbol a, Symbol b) => Apply(Ops.Pow, a, b);
    /// <summary>a ^ s (_power_scalar).</summary>
    public static Symbol Pow(Symbol a, double s) => Scalar(Ops.PowS, a, s);
    /// <summary>s ^ a (_rpower_scalar).</summary>
    public static Symbol Pow(double s, Symbol a) => Scalar(Ops.RPowS, a, s);

    /// <summary>a + s with an integer s (recorded as "10", as Python writes an int).</summary>
    public static Symbol operator +(Symbol a, long s) => Scalar(Ops.AddS, a, s);
    /// <summary>s + a.</summary>
    public static Symbol operator +(long s, Symbol a) => Scalar(Ops.AddS, a, s);
    /// <summary>a - s.</summary>
    public static Symbol operator -(Symbol a, long s) => Scalar(Ops.SubS, a, s);
    /// <summary>s - a.</summary>
    public static Symbol operator -(long s, Symbol a) => Scalar(Ops.RSubS, a, s);
    /// <summary>a * s.</summary>
    public static Symbol operator *(Symbol a, long s) => Scalar(Ops.MulS, a, s);
    /// <summary>s * a.</summary>
    public static Symbol operator *(long s, Symbol a) => Scalar(Ops.MulS, a, s);
    /// <summary>a / s.</summary>
    public static Symbol operator /(Symbol a, long s) => Scalar(Ops.DivS, a, s);
    /// <summary>s / a.</summary>
    public static Symbol operator /(long s, Symbol a) => Scalar(Ops.RDivS, a, s);
    /// <summary>a mod s.</summary>
    public static Symbol operator %(Symbol a, long s) => Scalar(Ops.ModS, a, s);
    /// <summary>s mod a.</summary>
    public static Symbol operator %(long s, Symbol a) => Scalar(Ops.RModS, a, s);
    /// <summary>a ^ s with an integer s.</summary>
    public static Symbol Pow(Symbol a, long s) => Scalar(Ops.PowS, a, s);
    /// <summary>s ^ a with an integer s.</summary>
    public static Symbol Pow(long s, Symbol a) => Scalar(Ops.RPowS, a, s);
}
