using Sharpnet;
using Sharpnet.Bench;

/// <summary>Sharpnet's side of each comparison; the peer implements the same names (bench/dotnet/TorchSharpPeer).</summary>
public static class Measures
{
    public static readonly string[] Names =
    {
        "push_1elem", "dependent_1e5", "inplace_add_1elem", "dependent_add_1e5", "mul_plain_1elem", "mul_recorded_1elem",
        "mlp_step",
    };

    /// <summary>Tensor ops on 16M floats and dot (issue 6): bench/tensor.sh runs them against TorchSharp.</summary>
    public static readonly string[] TensorNames =
    {
        "relu_16m", "sigmoid_16m", "add_16m", "bcast_add_16m", "sum_16m", "sum_rows_16m", "max_16m", "dot_1024", "dot_2048",
    };

    /// <summary>NN layers (issue 7), batch 32, 64 channels, 56x56: bench/nn.sh runs them against TorchSharp.</summary>
    public static readonly string[] NNNames =
    {
        "conv3x3_fwd", "conv3x3_fwdbwd", "conv1x1_fwd", "dwconv3x3_fwd", "bnrelu_fwdbwd", "maxpool_fwd", "fc4096_fwd",
    };

    public static int Run(string name)
    {
        Engine.IntraOpThreads = ThreadCount();
        switch (name)
        {
            case "push_1elem":
            {
                // Calling-thread cost of a tiny asynchronous op (a built-in fill of a 1-element array); the engine
                // runs the ops meanwhile and is drained outside the timing. 20000 stays under the pending bound.
                using var a = NDArray.Zeros(1);
                Harness.Measure("sharpnet", name, 20000, 15, n =>
                {
                    for (int i = 0; i < n; i++) a.Fill(i);
                }, NDArray.WaitAll);
                return 0;
            }
            case "dependent_1e5":
            {
                // 10^5 dependent tiny ops (each writes the same array) and the wait for all of them.
                using var a = NDArray.Zeros(1);
                Harness.Measure("sharpnet", name, 100000, 7, n =>
                {
                    for (int i = 0; i < n; i++) a.Fill(i);
                    NDArray.WaitAll();
                });
                return 0;
            }
            case "inplace_add_1elem":
            {
                // Calling-thread cost of `a += b` on 1-element arrays through the operator registry (a prepared call,
                // the ambient autograd flags, the engine push); the engine drains outside the timing.
                var a = NDArray.Zeros(1);  // not `using`: compound assignment needs an assignable variable
                using var b = NDArray.Ones(1);
                Harness.Measure("sharpnet", name, 20000, 15, n =>
                {
                    for (int i = 0; i < n; i++) a += b;
                }, NDArray.WaitAll);
                a.Dispose();
                return 0;
            }
            case "dependent_add_1e5":
            {
                // 10^5 dependent `a += b` and the wait for all of them (PERF.md's tiny-op overhead).
                var a = NDArray.Zeros(1);
                using var b = NDArray.Ones(1);
                Harness.Measure("sharpnet", name, 100000, 7, n =>
                {
                    for (int i = 0; i < n; i++) a += b;
                    NDArray.WaitAll();
                });
                a.Dispose();
                return 0;
            }
            case "mul_plain_1elem":
            case "mul_recorded_1elem":
            {
                // y = x * 2 on a 1-element array with an attached gradient, outside or inside Autograd.Record:
                // the difference is the per-op recording overhead (a tape node, saved inputs).
                using var x = NDArray.Ones(1);
                x.AttachGrad();
                bool record = name == "mul_recorded_1elem";
                Harness.Measure("sharpnet", name, 20000, 15, n =>
                {
                    using var rec = record ? Autograd.Record() : default(Autograd.Scope?);
                    for (int i = 0; i < n; i++)
                    {
                        var y = x * 2f;
                        y.Dispose();
                    }
                }, NDArray.WaitAll);
                return 0;
            }
            case "mlp_step":
            {
                // One training step of a 3-layer MLP (784-256-256-10, ReLU, batch 64, mean squared error): forward
                // recorded, backward into the parameters' gradients, and the wait for it.
                NDArray.Random.Seed(1);
                using var x = NDArray.Random.Uniform(-1, 1, shape: (64, 784));
                using var target = NDArray.Random.Uniform(0, 1, shape: (64, 10));
                var w = new[] { Param((784, 256)), Param((256, 256)), Param((256, 10)) };
                var bias = new[] { Param(256), Param(256), Param(10) };
                Harness.Measure("sharpnet", name, 1, 30, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var scope = NDArray.NewScope();
                        NDArray loss;
                        using (Autograd.Record())
                        {
                            var h = x;
                            for (int l = 0; l < 3; l++)
                            {
                                h = h.Dot(w[l]) + bias[l];
                                if (l < 2) h = h.Relu();
                            }
                            loss = (h - target).Square().Mean();
                        }
                        loss.Backward();
                        NDArray.WaitAll();
                    }
                });
                foreach (var p in w.Concat(bias)) p.Dispose();
                return 0;

                static NDArray Param(Shape shape)
                {
                    var p = NDArray.Random.Normal(0, 0.05, shape: shape);
                    p.AttachGrad();
                    return p;
                }
            }
            case "relu_16m":
            case "sigmoid_16m":
            {
                // In place on both sides (no fresh 64 MiB output to page in); sigmoid stays in (0, 1) when repeated.
                using var a = NDArray.Random.Uniform(-1, 1, shape: 16 << 20);
                bool relu = name == "relu_16m";
                Harness.Measure("sharpnet", name, 1, 15, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (relu) ND.Relu(a, @out: a);
                        else ND.Sigmoid(a, @out: a);
                        a.WaitToRead();
                    }
                });
                return 0;
            }
            case "add_16m":
            case "bcast_add_16m":
            {
                bool column = name == "bcast_add_16m";
                var a = NDArray.Random.Uniform(-1, 1, shape: column ? new Shape(4096, 4096) : new Shape(16 << 20));
                using var b = column ? NDArray.Random.Uniform(-1, 1, shape: (4096, 1)) : NDArray.Random.Uniform(-1, 1, shape: 16 << 20);
                Harness.Measure("sharpnet", name, 1, 15, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        a += b;
                        a.WaitToRead();
                    }
                });
                a.Dispose();
                return 0;
            }
            case "sum_16m":
            case "sum_rows_16m":
            case "max_16m":
            {
                using var a = NDArray.Random.Uniform(-1, 1, shape: name == "sum_rows_16m" ? new Shape(4096, 4096) : new Shape(16 << 20));
                Harness.Measure("sharpnet", name, 1, 15, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var r = name == "max_16m" ? ND.Max(a) : name == "sum_16m" ? ND.Sum(a) : ND.Sum(a, axis: new Shape(1));
                        r.WaitToRead();
                    }
                });
                return 0;
            }
            case "dot_1024":
            case "dot_2048":
            {
                int size = name == "dot_1024" ? 1024 : 2048;
                using var a = NDArray.Random.Uniform(-1, 1, shape: (size, size));
                using var b = NDArray.Random.Uniform(-1, 1, shape: (size, size));
                Harness.Measure("sharpnet", name, 1, size > 1024 ? 5 : 9, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var c = ND.Dot(a, b);
                        c.WaitToRead();
                    }
                });
                return 0;
            }
            case "conv3x3_fwd":
            case "conv3x3_fwdbwd":
            case "conv1x1_fwd":
            case "dwconv3x3_fwd":
            {
                bool oneByOne = name == "conv1x1_fwd", depthwise = name == "dwconv3x3_fwd", train = name.EndsWith("fwdbwd");
                int outC = oneByOne ? 256 : 64, k = oneByOne ? 1 : 3, groups = depthwise ? 64 : 1;
                using var x = NDArray.Random.Uniform(-1, 1, shape: (32, 64, 56, 56));
                using var w = NDArray.Random.Uniform(-1, 1, shape: (outC, 64 / groups, k, k));
                using var dy = NDArray.Random.Uniform(-1, 1, shape: (32, outC, 56, 56));
                if (train)
                {
                    x.AttachGrad();
                    w.AttachGrad();
                }
                Harness.Measure("sharpnet", name, 1, train ? 3 : 5, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var scope = NDArray.NewScope();
                        NDArray y;
                        using (train ? Autograd.Record() : Autograd.Pause())
                            y = ND.Convolution(x, w, kernel: (k, k), pad: (k / 2, k / 2), numFilter: outC, numGroup: groups, noBias: true);
                        if (train)
                        {
                            y.Backward(dy);
                            w.Grad!.WaitToRead();
                            x.Grad!.WaitToRead();
                        }
                        else
                        {
                            y.WaitToRead();
                        }
                    }
                });
                return 0;
            }
            case "bnrelu_fwdbwd":
            {
                using var x = NDArray.Random.Uniform(-1, 1, shape: (32, 64, 56, 56));
                using var gamma = NDArray.Ones(64);
                using var beta = NDArray.Zeros(64);
                using var mean = NDArray.Zeros(64);
                using var var_ = NDArray.Ones(64);
                using var dy = NDArray.Random.Uniform(-1, 1, shape: (32, 64, 56, 56));
                x.AttachGrad();
                gamma.AttachGrad();
                beta.AttachGrad();
                Harness.Measure("sharpnet", name, 1, 5, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var scope = NDArray.NewScope();
                        NDArray y;
                        using (Autograd.Record())
                            y = ND.Activation(ND.BatchNorm(x, gamma, beta, mean, var_, fixGamma: false), actType: "relu");
                        y.Backward(dy);
                        x.Grad!.WaitToRead();
                        gamma.Grad!.WaitToRead();
                    }
                });
                return 0;
            }
            case "maxpool_fwd":
            {
                using var x = NDArray.Random.Uniform(-1, 1, shape: (32, 64, 56, 56));
                Harness.Measure("sharpnet", name, 1, 9, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var y = ND.Pooling(x, kernel: (3, 3), stride: (2, 2), pad: (1, 1), poolType: "max");
                        y.WaitToRead();
                    }
                });
                return 0;
            }
            case "fc4096_fwd":
            {
                using var x = NDArray.Random.Uniform(-1, 1, shape: (128, 4096));
                using var w = NDArray.Random.Uniform(-1, 1, shape: (4096, 4096));
                using var b = NDArray.Random.Uniform(0, 1, shape: 4096);
                Harness.Measure("sharpnet", name, 1, 9, n =>
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var y = ND.FullyConnected(x, w, b, numHidden: 4096);
                        y.WaitToRead();
                    }
                });
                return 0;
            }
            default:
                Console.Error.WriteLine($"unknown measure '{name}'; expected one of {string.Join(", ", Names.Concat(TensorNames).Concat(NNNames))}");
                return 2;
        }
    }

    public static int ThreadCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;
}
