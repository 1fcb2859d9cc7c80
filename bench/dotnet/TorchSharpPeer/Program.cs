using Sharpnet.Bench;
using TorchSharp;

// The peer side of bench comparisons: same measure names and JSON lines as Sharpnet.Benchmarks.
if (args.Length < 2 || args[0] != "measure")
{
    Console.Error.WriteLine("usage: measure <push_1elem|dependent_1e5>");
    return 2;
}
string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
if (File.Exists(native)) ElfVersionPatch.MarkWeak(native, "GLIBCXX_3.4.32");

int threads = int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;
torch.set_num_threads(threads);
switch (args[1])
{
    case "push_1elem":
    {
        // TorchSharp's tiny in-place op, a.add_(b) on 1-element tensors (it runs synchronously).
        using var a = torch.zeros(1);
        using var b = torch.ones(1);
        Harness.Measure("torchsharp", args[1], 20000, 15, count =>
        {
            for (int i = 0; i < count; i++) a.add_(b);
        });
        return 0;
    }
    case "dependent_1e5":
    {
        using var a = torch.zeros(1);
        using var b = torch.ones(1);
        Harness.Measure("torchsharp", args[1], 100000, 7, count =>
        {
            for (int i = 0; i < count; i++) a.add_(b);
        });
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown measure '{args[1]}'");
        return 2;
}
