using Sharpnet.Interop;

namespace Sharpnet;

// Arithmetic and comparison operators with MXNet's semantics: array-array forms broadcast (broadcast_add, ...),
// array-scalar forms use the scalar ops (_plus_scalar, _rminus_scalar, ...), results keep the array's dtype
// (legacy: comparisons give 1 or 0), and compound assignment writes in place as MXNet's += does.
#pragma warning disable CS0660, CS0661  // == and != return arrays; Equals/GetHashCode are overridden below as identity
public sealed partial class NDArray
#pragma warning restore CS0660, CS0661
{
    /// <summary>Identity (reference) equality; <c>==</c> compares elements and returns an array.</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <summary>An identity hash.</summary>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    private static NDArray Binary(Operator op, NDArray a, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var args = OpArgs.Rent(op);
        return OpInvoke.One(args, [a, b], null);
    }

    private static NDArray Scalar(Operator op, NDArray a, double scalar, NDArray? @out = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var args = OpArgs.Rent(op);
        args.Add(0, scalar);  // the scalar ops' only parameter
        return OpInvoke.One(args, [a], @out);
    }

    private static class Ops
    {
        internal static readonly Operator Add = Operator.Get("broadcast_add"), Sub = Operator.Get("broadcast_sub"),
            Mul = Operator.Get("broadcast_mul"), Div = Operator.Get("broadcast_div"), Neg = Operator.Get("negative"),
            Eq = Operator.Get("broadcast_equal"), Ne = Operator.Get("broadcast_not_equal"),
            Gt = Operator.Get("broadcast_greater"), Ge = Operator.Get("broadcast_greater_equal"),
            Lt = Operator.Get("broadcast_lesser"), Le = Operator.Get("broadcast_lesser_equal"),
            AddS = Operator.Get("_plus_scalar"), SubS = Operator.Get("_minus_scalar"), RSubS = Operator.Get("_rminus_scalar"),
            MulS = Operator.Get("_mul_scalar"), DivS = Operator.Get("_div_scalar"), RDivS = Operator.Get("_rdiv_scalar"),
            EqS = Operator.Get("_equal_scalar"), NeS = Operator.Get("_not_equal_scalar"), GtS = Operator.Get("_greater_scalar"),
            GeS = Operator.Get("_greater_equal_scalar"), LtS = Operator.Get("_lesser_scalar"), LeS = Operator.Get("_lesser_equal_scalar");

        static Ops()
        {
            // Scalar() passes the scalar as parameter 0 without a lookup per call.
            foreach (Operator op in new[] { AddS, SubS, RSubS, MulS, DivS, EqS, NeS, GtS, GeS, LtS, LeS })
                if (op.Param("scalar").Index != 0)
                    throw new InvalidOperationException($"{op.Name}: expected 'scalar' as its first parameter");
        }
    }

    // Prepared calls for the in-place array forms: no parameters to pass per call.
    private static class Prepared
    {
        internal static readonly OpCallHandle Add = Create(Ops.Add), Sub = Create(Ops.Sub), Mul = Create(Ops.Mul),
            Div = Create(Ops.Div);

        private static OpCallHandle Create(Operator op)
        {
            NativeStatus.Check(Native.sn_op_call_create(op.Id, default, default, default, default, out OpCallHandle call));
            return call;
        }
    }

    /// <summary>a + b with NumPy broadcasting (broadcast_add).</summary>
    public static NDArray operator +(NDArray a, NDArray b) => Binary(Ops.Add, a, b);
    /// <summary>a - b with broadcasting.</summary>
    public static NDArray operator -(NDArray a, NDArray b) => Binary(Ops.Sub, a, b);
    /// <summary>a * b with broadcasting.</summary>
    public static NDArray operator *(NDArray a, NDArray b) => Binary(Ops.Mul, a, b);
    /// <summary>a / b with broadcasting (integer division truncates; by zero gives 0).</summary>
    public static NDArray operator /(NDArray a, NDArray b) => Binary(Ops.Div, a, b);
    /// <summary>-a.</summary>
    public static NDArray operator -(NDArray a)
    {
        ArgumentNullException.ThrowIfNull(a);
        using var args = OpArgs.Rent(Ops.Neg);
        return OpInvoke.One(args, [a], null);
    }

    /// <summary>a + s (the scalar takes the array's dtype).</summary>
    public static NDArray operator +(NDArray a, double s) => Scalar(Ops.AddS, a, s);
    /// <summary>s + a.</summary>
    public static NDArray operator +(double s, NDArray a) => Scalar(Ops.AddS, a, s);
    /// <summary>a - s.</summary>
    public static NDArray operator -(NDArray a, double s) => Scalar(Ops.SubS, a, s);
    /// <summary>s - a.</summary>
    public static NDArray operator -(double s, NDArray a) => Scalar(Ops.RSubS, a, s);
    /// <summary>a * s.</summary>
    public static NDArray operator *(NDArray a, double s) => Scalar(Ops.MulS, a, s);
    /// <summary>s * a.</summary>
    public static NDArray operator *(double s, NDArray a) => Scalar(Ops.MulS, a, s);
    /// <summary>a / s.</summary>
    public static NDArray operator /(NDArray a, double s) => Scalar(Ops.DivS, a, s);
    /// <summary>s / a.</summary>
    public static NDArray operator /(double s, NDArray a) => Scalar(Ops.RDivS, a, s);

    /// <summary>1 where a == b, else 0 (broadcasting; the inputs' dtype).</summary>
    public static NDArray operator ==(NDArray a, NDArray b) => Binary(Ops.Eq, a, b);
    /// <summary>1 where a != b, else 0.</summary>
    public static NDArray operator !=(NDArray a, NDArray b) => Binary(Ops.Ne, a, b);
    /// <summary>1 where a &gt; b, else 0.</summary>
    public static NDArray operator >(NDArray a, NDArray b) => Binary(Ops.Gt, a, b);
    /// <summary>1 where a &gt;= b, else 0.</summary>
    public static NDArray operator >=(NDArray a, NDArray b) => Binary(Ops.Ge, a, b);
    /// <summary>1 where a &lt; b, else 0.</summary>
    public static NDArray operator <(NDArray a, NDArray b) => Binary(Ops.Lt, a, b);
    /// <summary>1 where a &lt;= b, else 0.</summary>
    public static NDArray operator <=(NDArray a, NDArray b) => Binary(Ops.Le, a, b);

    /// <summary>1 where a == s, else 0.</summary>
    public static NDArray operator ==(NDArray a, double s) => Scalar(Ops.EqS, a, s);
    /// <summary>1 where a != s, else 0.</summary>
    public static NDArray operator !=(NDArray a, double s) => Scalar(Ops.NeS, a, s);
    /// <summary>1 where a &gt; s, else 0.</summary>
    public static NDArray operator >(NDArray a, double s) => Scalar(Ops.GtS, a, s);
    /// <summary>1 where a &gt;= s, else 0.</summary>
    public static NDArray operator >=(NDArray a, double s) => Scalar(Ops.GeS, a, s);
    /// <summary>1 where a &lt; s, else 0.</summary>
    public static NDArray operator <(NDArray a, double s) => Scalar(Ops.LtS, a, s);
    /// <summary>1 where a &lt;= s, else 0.</summary>
    public static NDArray operator <=(NDArray a, double s) => Scalar(Ops.LeS, a, s);
    /// <summary>1 where s == a, else 0.</summary>
    public static NDArray operator ==(double s, NDArray a) => Scalar(Ops.EqS, a, s);
    /// <summary>1 where s != a, else 0.</summary>
    public static NDArray operator !=(double s, NDArray a) => Scalar(Ops.NeS, a, s);
    /// <summary>1 where s &gt; a, else 0.</summary>
    public static NDArray operator >(double s, NDArray a) => Scalar(Ops.LtS, a, s);
    /// <summary>1 where s &gt;= a, else 0.</summary>
    public static NDArray operator >=(double s, NDArray a) => Scalar(Ops.LeS, a, s);
    /// <summary>1 where s &lt; a, else 0.</summary>
    public static NDArray operator <(double s, NDArray a) => Scalar(Ops.GtS, a, s);
    /// <summary>1 where s &lt;= a, else 0.</summary>
    public static NDArray operator <=(double s, NDArray a) => Scalar(Ops.GeS, a, s);

    // In place, as MXNet's += (broadcast_add(self, other, out=self)): the other operand broadcasts to this shape.
    // While recording, writing into an array autograd tracks is an error.

    /// <summary>this += b, in place (b broadcasts to this array's shape).</summary>
    public void operator +=(NDArray b) => OpInvoke.Call(Prepared.Add, [this, b], this);
    /// <summary>this -= b, in place.</summary>
    public void operator -=(NDArray b) => OpInvoke.Call(Prepared.Sub, [this, b], this);
    /// <summary>this *= b, in place.</summary>
    public void operator *=(NDArray b) => OpInvoke.Call(Prepared.Mul, [this, b], this);
    /// <summary>this /= b, in place.</summary>
    public void operator /=(NDArray b) => OpInvoke.Call(Prepared.Div, [this, b], this);
    /// <summary>this += s, in place.</summary>
    public void operator +=(double s) => Scalar(Ops.AddS, this, s, this);
    /// <summary>this -= s, in place.</summary>
    public void operator -=(double s) => Scalar(Ops.SubS, this, s, this);
    /// <summary>this *= s, in place.</summary>
    public void operator *=(double s) => Scalar(Ops.MulS, this, s, this);
    /// <summary>this /= s, in place.</summary>
    public void operator /=(double s) => Scalar(Ops.DivS, this, s, this);

    // --- instance forms of common operators ---------------------------------------------------------------------

    /// <summary>Sum over <paramref name="axis"/> (all axes by default; legacy: a full reduction has shape (1,)).</summary>
    public NDArray Sum(Shape? axis = null, bool keepdims = false, bool exclude = false) =>
        ND.Sum(this, axis, keepdims ? true : null, exclude ? true : null);
    /// <summary>Mean over <paramref name="axis"/> (all axes by default).</summary>
    public NDArray Mean(Shape? axis = null, bool keepdims = false, bool exclude = false) =>
        ND.Mean(this, axis, keepdims ? true : null, exclude ? true : null);
    /// <summary>The axes reversed (a new array).</summary>
    public NDArray T => ND.Transpose(this);
    /// <summary>The axes permuted (reversed when none are given).</summary>
    public NDArray Transpose(Shape? axes = null) => ND.Transpose(this, axes);
    /// <summary>(d0, d1 * d2 * ...): all but the first axis collapsed.</summary>
    public NDArray Flatten() => ND.Flatten(this);
    /// <summary>A size-1 axis inserted at <paramref name="axis"/>.</summary>
    public NDArray ExpandDims(int axis) => ND.ExpandDims(this, axis);
    /// <summary>This array broadcast to <paramref name="shape"/> (0 keeps a dim).</summary>
    public NDArray BroadcastTo(Shape shape) => ND.BroadcastTo(this, shape);
    /// <summary>Matrix product (MXNet's dot).</summary>
    public NDArray Dot(NDArray other, bool transposeA = false, bool transposeB = false) =>
        ND.Dot(this, other, transposeA ? true : null, transposeB ? true : null);
    /// <summary>e^x.</summary>
    public NDArray Exp() => ND.Exp(this);
    /// <summary>The natural logarithm.</summary>
    public NDArray Log() => ND.Log(this);
    /// <summary>The square root.</summary>
    public NDArray Sqrt() => ND.Sqrt(this);
    /// <summary>x².</summary>
    public NDArray Square() => ND.Square(this);
    /// <summary>max(x, 0).</summary>
    public NDArray Relu() => ND.Relu(this);
    /// <summary>1 / (1 + e^-x).</summary>
    public NDArray Sigmoid() => ND.Sigmoid(this);
    /// <summary>The hyperbolic tangent.</summary>
    public NDArray Tanh() => ND.Tanh(this);
    /// <summary>An array of zeros like this one.</summary>
    public NDArray ZerosLike() => ND.ZerosLike(this);
    /// <summary>An array of ones like this one.</summary>
    public NDArray OnesLike() => ND.OnesLike(this);
}
