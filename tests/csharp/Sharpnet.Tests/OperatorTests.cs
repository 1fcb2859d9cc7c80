using NUnit.Framework;

namespace Sharpnet.Tests;

public class OperatorTests
{
    [Test]
    public void RegistryMetadataIsStructured()
    {
        Operator sum = Operator.Get("sum_axis");  // an alias finds the operator
        Assert.That(sum.Name, Is.EqualTo("sum"));
        Assert.That(sum.Inputs, Is.EqualTo(new[] { "data" }));
        OperatorParam axis = sum.Param("axis");
        Assert.That((axis.Kind, axis.ElementKind, axis.IsOptional, axis.DefaultLiteral),
                    Is.EqualTo((ParamKind.Tuple, ParamKind.Int, true, "None")));
        Assert.That(sum.Param("keepdims").Kind, Is.EqualTo(ParamKind.Bool));
        Assert.That(sum.IsDifferentiable, Is.True);
        Assert.That(Operator.Get("exp").DTypes, Is.EquivalentTo(new[] { DType.Float32, DType.Float64, DType.Float16, DType.BFloat16 }));
        Operator plus = Operator.Get("_PlusScalar");
        Assert.That(plus.Name, Is.EqualTo("_plus_scalar"));
        Assert.That(plus.AliasNameHints[plus.Aliases.ToList().IndexOf("_PlusScalar")], Is.EqualTo("_plusscalar"));
        Assert.That(Operator.Get("normal").Param("scale").Min, Is.EqualTo(0));
        Assert.That(Operator.Get("expand_dims").Param("axis").IsRequired, Is.True);
        var e = Assert.Throws<SharpnetException>(() => Operator.Get("broadcast_ad"))!;
        Assert.That(e.Message, Does.Contain("did you mean 'broadcast_add'"));
        Assert.That(Assert.Throws<SharpnetException>(() => sum.Param("kepdims"))!.Message, Does.Contain("axis, keepdims, exclude"));
    }

    [Test]
    public void ConditionalInputs()
    {
        Operator softmax = Operator.Get("softmax");
        Assert.That(softmax.Inputs, Is.EqualTo(new[] { "data", "length" }));
        Assert.That(softmax.InputConditions, Is.EqualTo(new InputCondition?[] { null, new("use_length", "True") }));

        using var x = NDArray.Array(new float[] { 1, 2, 3, 1, 1, 1 }).Reshape((2, 3));
        using var length = NDArray.Array(new float[] { 2, 3 });
        using var y = ND.Softmax(x, length);  // giving the length sets use_length
        float[] v = y.ToArray<float>();
        float e = MathF.Exp(1);
        Assert.That(v[0], Is.EqualTo(1 / (1 + e)).Within(1e-6));
        Assert.That(v[1], Is.EqualTo(e / (1 + e)).Within(1e-6));
        Assert.That(v[2], Is.EqualTo(0f));  // past the length
        Assert.That(v[3..], Is.EqualTo(new[] { 1f / 3, 1f / 3, 1f / 3 }).Within(1e-6));
        using var plain = ND.Softmax(x);
        Assert.That(plain.ToArray<float>()[2], Is.GreaterThan(0.6f));
        var err = Assert.Throws<SharpnetException>(() => ND.Softmax(x, useLength: true).WaitToRead())!;
        Assert.That(err.Message, Does.Contain("input 1 (length) is there when use_length=True"));
    }

    [Test]
    public void FullyConnectedWithAndWithoutBias()
    {
        using var x = NDArray.Array(new float[] { 1, 2, 3, 4 }).Reshape((2, 2));
        using var w = NDArray.Array(new float[] { 1, 0, 1, 1, 0, 2 }).Reshape((3, 2));
        using var b = NDArray.Array(new float[] { 10, 20, 30 });
        using var y = ND.FullyConnected(x, w, b, numHidden: 3);
        Assert.That(y.ToArray<float>(), Is.EqualTo(new float[] { 11, 23, 34, 13, 27, 38 }));
        using var z = ND.FullyConnected(x, w, numHidden: 3);  // no bias given: no_bias is set
        Assert.That(z.ToArray<float>(), Is.EqualTo(new float[] { 1, 3, 4, 3, 7, 8 }));
        using var r = ND.Activation(z - 4f, actType: "relu");
        Assert.That(r.ToArray<float>(), Is.EqualTo(new float[] { 0, 0, 0, 0, 3, 4 }));
        using var neg = NDArray.Array(new float[] { -2, 4 }).Reshape((1, 2));
        using var gamma = NDArray.Array(new float[] { 0.5f, 0.1f });
        using var pr = ND.LeakyReLU(neg, gamma);  // giving gamma selects prelu
        Assert.That(pr.ToArray<float>(), Is.EqualTo(new float[] { -1, 4 }));
        using var lk = ND.LeakyReLU(neg);  // MXNet's default: leaky with slope 0.25
        Assert.That(lk.ToArray<float>(), Is.EqualTo(new float[] { -0.5f, 4 }));
        var e = Assert.Throws<SharpnetException>(() => ND.FullyConnected(x, w, numHidden: 4).WaitToRead())!;
        Assert.That(e.Message, Does.Contain("FullyConnected"));
    }

    [Test]
    public void GeneratedWrappersPassTypedParameters()
    {
        using var scope = NDArray.NewScope();
        var a = NDArray.Arange(0, 24).Reshape((2, 3, 4));
        Assert.That(ND.Sum(a, axis: (0, 2)).ToArray<float>(), Is.EqualTo(new[] { 60f, 92f, 124f }));
        Assert.That(ND.Sum(a, axis: -1, keepdims: true).Shape, Is.EqualTo((Shape)(2, 3, 1)));
        Assert.That(ND.Mean(a, axis: 1, exclude: true).Shape, Is.EqualTo((Shape)3));
        Assert.That(ND.Reshape(a, shape: (-1, 0), reverse: true).Shape, Is.EqualTo((Shape)(6, 4)));
        Assert.That(ND.Transpose(a, axes: (2, 0, 1)).Shape, Is.EqualTo((Shape)(4, 2, 3)));
        Assert.That(ND.ExpandDims(a, axis: -1).Shape, Is.EqualTo((Shape)(2, 3, 4, 1)));
        Assert.That(ND.BroadcastTo(NDArray.Ones((3, 1)), shape: (2, 0, 4)).Shape, Is.EqualTo((Shape)(2, 3, 4)));
        Assert.That(ND.Dot(NDArray.Ones((2, 3)), NDArray.Ones((2, 4)), transposeA: true).Shape, Is.EqualTo((Shape)(3, 4)));
        var u = ND.Random.Uniform(low: 2, high: 3, shape: 100, dtype: DType.Float64, ctx: Context.Cpu(1));
        Assert.That((u.DType, u.Context), Is.EqualTo((DType.Float64, Context.Cpu(1))));
        Assert.That(u.ToArray<double>(), Is.All.InRange(2.0, 3.0));
        Assert.That(ND.Normal(shape: 3).Shape, Is.EqualTo((Shape)3));  // an alias with a method of its own
    }

    [Test]
    public void OutArraysReceiveResults()
    {
        using var scope = NDArray.NewScope();
        var a = NDArray.Array(new float[] { 1, 2 });
        var target = NDArray.Zeros(2);
        NDArray r = ND.Exp(a, @out: target);
        Assert.That(r, Is.SameAs(target));
        Assert.That(target.ToArray<float>()[0], Is.EqualTo(MathF.E).Within(1e-6f));
        var wrong = NDArray.Zeros(3);
        Assert.That(Assert.Throws<SharpnetException>(() => ND.Exp(a, @out: wrong))!.Message,
                    Does.Contain("exp: out has shape (3,)"));
        // In place through a declared pair; not through an undeclared one.
        ND.Square(a, @out: a);
        Assert.That(a.ToArray<float>(), Is.EqualTo(new[] { 1f, 4f }));
        var m = NDArray.Ones((2, 2));
        Assert.That(Assert.Throws<SharpnetException>(() => ND.Transpose(m, @out: m))!.Message,
                    Does.Contain("transpose: out shares memory with input 0"));
    }

    [Test]
    public void BadParametersAndInputsAreClearErrors()
    {
        using var scope = NDArray.NewScope();
        var a = NDArray.Ones((2, 3));
        var e = Assert.Throws<SharpnetException>(() => ND.Sum(a, axis: 5))!;
        Assert.That(e.Message, Is.EqualTo("sum: axis 5 is out of range for an input of 2 dimension(s) (expected -2 to 1)"));
        e = Assert.Throws<SharpnetException>(() => ND.ExpandDims(a))!;
        Assert.That(e.Message, Does.StartWith("expand_dims: required parameter 'axis' is missing"));
        e = Assert.Throws<SharpnetException>(() => ND.Random.Normal(scale: -1))!;
        Assert.That(e.Message, Does.StartWith("_random_normal: parameter 'scale' expects"));
        e = Assert.Throws<SharpnetException>(() => ND.Dot(a, a))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.Shape));
        Assert.That(e.Message, Does.Contain("dot: shapes (2, 3) and (2, 3) do not match"));
        e = Assert.Throws<SharpnetException>(() => ND.Exp(NDArray.Ones(2, DType.Int32)))!;
        Assert.That(e.Message, Does.StartWith("exp: dtype int32 is not supported"));
        e = Assert.Throws<SharpnetException>(() => ND.Invoke("sum", [a], new Dictionary<string, string> { ["keepdims"] = "maybe" }))!;
        Assert.That(e.Message, Does.StartWith("sum: parameter 'keepdims' expects"));
        Assert.That(e.Message, Does.Contain("got 'maybe'"));
        e = Assert.Throws<SharpnetException>(() => ND.Invoke("sums", [a]))!;
        Assert.That(e.ErrorCode, Is.EqualTo(ErrorCode.NotFound));
        e = Assert.Throws<SharpnetException>(() => ND.Invoke("elemwise_add", [a]))!;
        Assert.That(e.Message, Is.EqualTo("elemwise_add: expected 2 input(s) (lhs, rhs), got 1"));
        var disposed = NDArray.Ones(2);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ND.Exp(disposed));
    }

    [Test]
    public void ScalarOperatorsKeepTheArrayDType()
    {
        using var scope = NDArray.NewScope();
        var i = NDArray.Array(new int[] { 1, 2, 3 }, dtype: DType.Int32);
        var r = i * 2.7f + 1f;  // legacy: the scalar takes the array's dtype (2.7 -> 2)
        Assert.That(r.DType, Is.EqualTo(DType.Int32));
        Assert.That(r.ToArray<int>(), Is.EqualTo(new[] { 3, 5, 7 }));
        Assert.That((i >= 2).ToArray<int>(), Is.EqualTo(new[] { 0, 1, 1 }));
        Assert.That((2 < i).ToArray<int>(), Is.EqualTo(new[] { 0, 0, 1 }));
        Assert.That((10 - i).ToArray<int>(), Is.EqualTo(new[] { 9, 8, 7 }));
        Assert.That((6.0 / NDArray.Array(new float[] { 2, 3 })).ToArray<float>(), Is.EqualTo(new[] { 3f, 2f }));
        Assert.That((i != NDArray.Array(new int[] { 1, 0, 3 }, dtype: DType.Int32)).ToArray<int>(), Is.EqualTo(new[] { 0, 1, 0 }));
    }

    [Test]
    public void InvokeCachesPreparedCallsAndLeavesNothingBehind()
    {
        NDArray.WaitAll();
        long live = NDArray.LiveCount;
        using (var scope = NDArray.NewScope())
        {
            var a = NDArray.Ones((2, 2));
            for (int k = 0; k < 100; k++)
                ND.Invoke("_plus_scalar", [a], new Dictionary<string, string> { ["scalar"] = "1" });
            var b = a;
            for (int k = 0; k < 100; k++) b = b + a;
            Assert.That(b.ToArray<float>(), Is.All.EqualTo(101f));
        }
        Assert.That(NDArray.LiveCount, Is.EqualTo(live));
    }
}
