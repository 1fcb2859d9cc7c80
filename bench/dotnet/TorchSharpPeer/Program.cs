using Sharpnet.Bench;
using TorchSharp;

// The peer side of bench comparisons: same measure names and JSON lines as Sharpnet.Benchmarks.
if (args.Length < 2 || args[0] != "measure")
{
    Console.Error.WriteLine("usage: measure <name> (bench/run.sh lists them)");
    return 2;
}
string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
if (File.Exists(native)) ElfVersionPatch.MarkWeak(native, "GLIBCXX_3.4.32");

int threads = int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;
torch.set_num_threads(threads);
switch (args[1])
{
    case "push_1elem":
    case "inplace_add_1elem":
    {
        // TorchSharp's tiny in-place op, a.add_(b) on 1-element tensors (it runs synchronously): the peer of
        // Sharpnet's built-in fill push and of its registry-invoked `a += b`.
        using var a = torch.zeros(1);
        using var b = torch.ones(1);
        Harness.Measure("torchsharp", args[1], 20000, 15, count =>
        {
            for (int i = 0; i < count; i++) a.add_(b);
        });
        return 0;
    }
    case "dependent_1e5":
    case "dependent_add_1e5":
    {
        using var a = torch.zeros(1);
        using var b = torch.ones(1);
        Harness.Measure("torchsharp", args[1], 100000, 7, count =>
        {
            for (int i = 0; i < count; i++) a.add_(b);
        });
        return 0;
    }
    case "mul_plain_1elem":
    case "mul_recorded_1elem":
    {
        // y = x * 2 with x requiring a gradient: recorded by TorchSharp's autograd, or under no_grad.
        using var x = torch.ones(1).requires_grad_(true);
        bool record = args[1] == "mul_recorded_1elem";
        Harness.Measure("torchsharp", args[1], 20000, 15, count =>
        {
            using var noGrad = record ? null : torch.no_grad();
            for (int i = 0; i < count; i++)
            {
                var y = x * 2f;
                y.Dispose();
            }
        });
        return 0;
    }
    case "mlp_step":
    {
        torch.manual_seed(1);
        using var x = torch.rand(64, 784) * 2 - 1;
        using var target = torch.rand(64, 10);
        var w = new[] { Param(784, 256), Param(256, 256), Param(256, 10) };
        var bias = new[] { Param(256), Param(256), Param(10) };
        Harness.Measure("torchsharp", args[1], 1, 30, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = torch.NewDisposeScope();
                var h = x;
                for (int l = 0; l < 3; l++)
                {
                    h = torch.matmul(h, w[l]) + bias[l];
                    if (l < 2) h = h.relu();
                }
                var loss = (h - target).square().mean();
                foreach (var p in w.Concat(bias)) p.grad?.zero_();
                loss.backward();
            }
        });
        return 0;

        static torch.Tensor Param(params long[] shape) => (torch.randn(shape) * 0.05f).detach().requires_grad_(true);
    }
    case "relu_16m":
    case "sigmoid_16m":
    {
        using var a = torch.rand(16 << 20) * 2 - 1;
        bool relu = args[1] == "relu_16m";
        Harness.Measure("torchsharp", args[1], 1, 15, count =>
        {
            for (int i = 0; i < count; i++)
            {
                if (relu) a.relu_();
                else a.sigmoid_();
            }
        });
        return 0;
    }
    case "add_16m":
    case "bcast_add_16m":
    {
        bool column = args[1] == "bcast_add_16m";
        using var a = column ? torch.rand(4096, 4096) * 2 - 1 : torch.rand(16 << 20) * 2 - 1;
        using var b = column ? torch.rand(4096, 1) * 2 - 1 : torch.rand(16 << 20) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, 15, count =>
        {
            for (int i = 0; i < count; i++) a.add_(b);
        });
        return 0;
    }
    case "sum_16m":
    case "sum_rows_16m":
    case "max_16m":
    {
        using var a = args[1] == "sum_rows_16m" ? torch.rand(4096, 4096) * 2 - 1 : torch.rand(16 << 20) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, 15, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var r = args[1] == "max_16m" ? a.max() : args[1] == "sum_16m" ? a.sum() : a.sum(1);
            }
        });
        return 0;
    }
    case "dot_1024":
    case "dot_2048":
    {
        int size = args[1] == "dot_1024" ? 1024 : 2048;
        using var a = torch.rand(size, size) * 2 - 1;
        using var b = torch.rand(size, size) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, size > 1024 ? 5 : 9, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var c = torch.matmul(a, b);
            }
        });
        return 0;
    }
    // NN layers (issue 7): batch 32, 64 channels, 56x56, float32, as Sharpnet.Benchmarks' NN measures.
    case "conv3x3_fwd":
    case "conv3x3_fwdbwd":
    case "conv1x1_fwd":
    case "dwconv3x3_fwd":
    {
        bool oneByOne = args[1] == "conv1x1_fwd", depthwise = args[1] == "dwconv3x3_fwd", train = args[1].EndsWith("fwdbwd");
        long outC = oneByOne ? 256 : 64, k = oneByOne ? 1 : 3, groups = depthwise ? 64 : 1;
        using var x = (torch.rand(32, 64, 56, 56) * 2 - 1).requires_grad_(train);
        using var w = (torch.rand(outC, 64 / groups, k, k) * 2 - 1).requires_grad_(train);
        using var dy = torch.rand(32, outC, 56, 56) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, train ? 3 : 5, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var y = torch.nn.functional.conv2d(x, w, padding: new long[] { k / 2, k / 2 }, groups: groups);
                if (!train) continue;
                y.backward(new[] { dy });
                x.grad!.zero_();
                w.grad!.zero_();
            }
        });
        return 0;
    }
    case "bnrelu_fwdbwd":
    {
        using var x = (torch.rand(32, 64, 56, 56) * 2 - 1).requires_grad_(true);
        using var gamma = torch.ones(64).requires_grad_(true);
        using var beta = torch.zeros(64).requires_grad_(true);
        using var mean = torch.zeros(64);
        using var var_ = torch.ones(64);
        using var dy = torch.rand(32, 64, 56, 56) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, 5, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var y = torch.nn.functional.relu(torch.nn.functional.batch_norm(x, mean, var_, gamma, beta, training: true, momentum: 0.1, eps: 1e-3));
                y.backward(new[] { dy });
            }
        });
        return 0;
    }
    case "maxpool_fwd":
    {
        using var x = torch.rand(32, 64, 56, 56) * 2 - 1;
        Harness.Measure("torchsharp", args[1], 1, 9, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var y = torch.nn.functional.max_pool2d(x, new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 });
            }
        });
        return 0;
    }
    case "fc4096_fwd":
    {
        using var x = torch.rand(128, 4096) * 2 - 1;
        using var w = torch.rand(4096, 4096) * 2 - 1;
        using var b = torch.rand(4096);
        Harness.Measure("torchsharp", args[1], 1, 9, count =>
        {
            for (int i = 0; i < count; i++)
            {
                using var y = torch.nn.functional.linear(x, w, b);
            }
        });
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown measure '{args[1]}'");
        return 2;
}
