using NUnit.Framework;
using Sharpnet.Initializers;
using Sharpnet.Metrics;
using Sharpnet.Optimizers;

namespace Sharpnet.Tests;

// Initializers, optimizers and metrics (issue 11's training pieces), against MXNet's formulas computed here.
public class TrainingTests
{
    [Test]
    public void InitializersFollowMXNetsNameRule()
    {
        using var scope = NDArray.NewScope();
        var init = new Constant(0.5);
        NDArray Made(string name, Shape s)
        {
            var a = NDArray.Full(s, 7.0);
            init.Init(name, a);
            return a;
        }
        Assert.That(Made("fc1_weight", (2, 3)).ToArray<float>(), Is.All.EqualTo(0.5f));
        foreach (string zero in new[] { "fc1_bias", "bn0_beta", "bn0_moving_mean", "q_min" })
            Assert.That(Made(zero, 3).ToArray<float>(), Is.All.EqualTo(0f), zero);
        foreach (string one in new[] { "bn0_gamma", "bn0_moving_var", "q_max" })
            Assert.That(Made(one, 3).ToArray<float>(), Is.All.EqualTo(1f), one);
        var e = Assert.Throws<ArgumentException>(() => Made("embedding_table", 3))!;
        Assert.That(e.Message, Does.Contain("no initialisation rule for parameter 'embedding_table'"));
    }

    [Test]
    public void XavierAndMSRAPreluScaleByFans()
    {
        using var scope = NDArray.NewScope();
        // (64, 32, 3, 3): fan_in 288, fan_out 576; avg 432.
        var w = NDArray.Zeros((64, 32, 3, 3));
        new Xavier().Init("conv_weight", w);
        float[] v = w.ToArray<float>();
        double bound = Math.Sqrt(3.0 / 432);
        Assert.That(v.Max(), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.9 * bound));
        Assert.That(v.Min(), Is.GreaterThanOrEqualTo(-bound).And.LessThan(-0.9 * bound));
        new MSRAPrelu().Init("conv_weight", w);
        v = w.ToArray<float>();
        double std = Math.Sqrt(v.Select(x => (double)x * x).Average()), want = Math.Sqrt(2 / (1 + 0.0625) / 432);
        Assert.That(std, Is.EqualTo(want).Within(0.05 * want), "normal with sqrt(magnitude / factor) deviation");
        var e = Assert.Throws<ArgumentException>(() => new Xavier().Init("v_weight", NDArray.Zeros(5)))!;
        Assert.That(e.Message, Does.Contain("'v_weight' has shape (5,)").Or.Contain("'v_weight' has shape"));
        Assert.Throws<ArgumentException>(() => new Xavier(rndType: "laplace"));
        var u = NDArray.Zeros((100, 100));
        new Sharpnet.Initializers.Uniform(0.2).Init("u_weight", u);
        Assert.That(u.ToArray<float>().Max(), Is.LessThanOrEqualTo(0.2f).And.GreaterThan(0.18f));
    }

    [Test]
    public void SgdWithMomentumAndAdamMatchTheirRecurrences()
    {
        using var scope = NDArray.NewScope();
        double[] w0 = { 1.0, -2.0, 0.5 }, g = { 0.3, -0.1, 4.0 };
        // SGD: lr 0.1, momentum 0.9, wd 0.01, rescale 0.5, clip 1 (the scaled 2.0 clips to 1).
        var sgd = new Sgd(learningRate: 0.1, momentum: 0.9, wd: 0.01, rescaleGrad: 0.5, clipGradient: 1);
        var w = NDArray.Array(w0.Select(x => (float)x).ToArray());
        var grad = NDArray.Array(g.Select(x => (float)x).ToArray());
        using var st = sgd.CreateState(0, w);
        double[] ww = (double[])w0.Clone(), mom = new double[3];
        for (int step = 0; step < 3; step++)
        {
            sgd.Update(0, w, grad, st);
            for (int i = 0; i < 3; i++)
            {
                double gi = Math.Clamp(g[i] * 0.5, -1, 1) + 0.01 * ww[i];
                mom[i] = 0.9 * mom[i] - 0.1 * gi;
                ww[i] += mom[i];
            }
        }
        Assert.That(w.ToArray<float>(), Is.EqualTo(ww.Select(x => (float)x)).Within(1e-5f));

        var adam = new Adam(learningRate: 0.01);
        var a = NDArray.Array(w0.Select(x => (float)x).ToArray());
        using var ast = adam.CreateState(0, a);
        double[] aw = (double[])w0.Clone(), m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            adam.Update(0, a, grad, ast);
            double lr = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 3; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                aw[i] -= lr * m[i] / (Math.Sqrt(v[i]) + 1e-8);
            }
        }
        Assert.That(a.ToArray<float>(), Is.EqualTo(aw.Select(x => (float)x)).Within(1e-5f));
        Assert.Throws<ArgumentException>(() => adam.Update(0, a, grad, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(momentum: 1.5));
    }

    [Test]
    public void AccuracyAndCrossEntropyAccumulateOverBatches()
    {
        using var scope = NDArray.NewScope();
        var preds = NDArray.Array(new float[] { 0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f }).Reshape((2, 3));
        var labels = NDArray.Array(new float[] { 0, 1 });
        var acc = Metric.Create("acc");
        var ce = Metric.Create("ce");
        acc.Update(labels, preds);
        ce.Update(labels, preds);
        Assert.That(acc.Get(), Is.EqualTo(("accuracy", 0.5)));
        Assert.That(ce.Get().Value, Is.EqualTo((-Math.Log(0.7) - Math.Log(0.3)) / 2).Within(1e-6));
        acc.Update(NDArray.Array(new float[] { 2 }), NDArray.Array(new float[] { 0, 0, 1 }).Reshape((1, 3)));
        Assert.That(acc.Get().Value, Is.EqualTo(2.0 / 3).Within(1e-12));
        acc.Reset();
        Assert.That(double.IsNaN(acc.Get().Value));
        Assert.That(Assert.Throws<ArgumentException>(() => acc.Update(NDArray.Array(new float[] { 3 }), NDArray.Zeros((1, 3))))!.Message,
                    Does.Contain("label 3 of sample 0 is not a class index in [0, 3)"));
        Assert.Throws<ArgumentException>(() => Metric.Create("f1-macro"));
    }
}
