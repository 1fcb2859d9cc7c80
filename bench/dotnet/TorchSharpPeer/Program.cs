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
    default:
        Console.Error.WriteLine($"unknown measure '{args[1]}'");
        return 2;
}
