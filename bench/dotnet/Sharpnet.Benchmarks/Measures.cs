using Sharpnet;
using Sharpnet.Bench;

/// <summary>Sharpnet's side of each comparison; the peer implements the same names (bench/dotnet/TorchSharpPeer).</summary>
public static class Measures
{
    public static readonly string[] Names = { "push_1elem", "dependent_1e5" };

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
            default:
                Console.Error.WriteLine($"unknown measure '{name}'; expected one of {string.Join(", ", Names)}");
                return 2;
        }
    }

    public static int ThreadCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;
}
