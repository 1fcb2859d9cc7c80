using NUnit.Framework;

namespace Sharpnet.Tests;

// Neural-network layers through the generated ND methods: the seed convolution, and a small CNN trained with
// autograd and the fused SGD update. Live counts are process-wide: these tests run alone.
[NonParallelizable]
public class NNTests
{
    [Test]
    public void SeedConvolution()
    {
        using var scope = NDArray.NewScope();
        var x = NDArray.Array(Enumerable.Range(0, 28).Select(i => (float)i).ToArray()).Reshape((1, 1, 4, 7));
        var w = NDArray.Ones((10, 1, 3, 3));
        var b = NDArray.Zeros(10);
        var y = ND.Convolution(x, w, b, kernel: (3, 3), numFilter: 10);
        Assert.That(y.Shape, Is.EqualTo(new Shape(1, 10, 2, 5)));
        float[] v = y.ToArray<float>();
        float[] plane = { 72, 81, 90, 99, 108, 135, 144, 153, 162, 171 };
        for (int c = 0; c < 10; c++) Assert.That(v.Skip(c * 10).Take(10), Is.EqualTo(plane), $"channel {c}");
    }

    [Test]
    public void SmallCnnLearnsAndReleasesItsArrays()
    {
        NDArrayMemoryTests.Settle();
        long before = NDArray.LiveCount;
        using (NDArray.NewScope())
        {
            // 64 images 1x8x8: class 1 when the left half is brighter than the right.
            var rng = new Random(7);
            const int n = 64;
            var images = new float[n * 64];
            var labels = new float[n];
            for (int i = 0; i < n; i++)
            {
                labels[i] = i % 2;
                for (int p = 0; p < 64; p++)
                    images[i * 64 + p] = (float)rng.NextDouble() + ((p % 8 < 4) == (i % 2 == 1) ? 0.5f : 0f);
            }
            var x = NDArray.Array<float>(images, new Shape(n, 1, 8, 8));
            var y = NDArray.Array(labels);
            NDArray Param(Shape s, double scale)
            {
                var a = NDArray.Array<float>(Enumerable.Range(0, (int)s.Size).Select(_ => (float)((rng.NextDouble() - 0.5) * scale)).ToArray(), s);
                a.AttachGrad();
                return a;
            }
            var convW = Param((4, 1, 3, 3), 0.6);
            var convB = Param(4, 0);
            var gamma = Param(4, 0);
            var beta = Param(4, 0);
            var movingMean = NDArray.Zeros(4);
            var movingVar = NDArray.Ones(4);
            var fcW = Param((2, 64), 0.2);
            var fcB = Param(2, 0);
            NDArray[] trained = { convW, convB, beta, fcW, fcB };

            NDArray Forward()
            {
                var h = ND.Convolution(x, convW, convB, kernel: (3, 3), pad: (1, 1), numFilter: 4);
                h = ND.BatchNorm(h, gamma, beta, movingMean, movingVar);
                h = ND.Activation(h, actType: "relu");
                h = ND.Pooling(h, kernel: (2, 2), stride: (2, 2), poolType: "max");
                h = ND.FullyConnected(h, fcW, fcB, numHidden: 2);
                return ND.SoftmaxOutput(h, y);
            }
            double Accuracy(NDArray probs)
            {
                float[] p = probs.ToArray<float>();
                int right = 0;
                for (int i = 0; i < n; i++) right += (p[2 * i + 1] > p[2 * i] ? 1 : 0) == (int)labels[i] ? 1 : 0;
                return (double)right / n;
            }

            for (int step = 0; step < 40; step++)
            {
                using var stepScope = NDArray.NewScope();
                NDArray probs;
                using (Autograd.Record()) probs = Forward();
                probs.Backward();  // SoftmaxOutput: the head gradient is its own (softmax - one-hot)
                foreach (var p in trained) ND.SgdUpdate(p, p.Grad!, lr: 0.1, rescaleGrad: 1.0 / n, @out: p);
            }
            using (Autograd.Pause(trainMode: false))
            {
                Assert.That(Accuracy(Forward()), Is.GreaterThanOrEqualTo(0.9), "after 40 SGD steps");
            }
            Assert.That(movingVar.ToArray<float>(), Has.None.EqualTo(1f), "training updated the moving variance");
        }
        NDArrayMemoryTests.Settle();
        Assert.That(NDArray.LiveCount, Is.EqualTo(before), "every array of the scope was released");
    }
}
