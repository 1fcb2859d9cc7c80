using BenchmarkDotNet.Attributes;
using Sharpnet;

/// <summary>The floor under every Sharpnet call from C#: the load check, one P/Invoke, the status check.</summary>
[MemoryDiagnoser]
public class InteropBenchmarks
{
    private NDArray _a = null!;

    [GlobalSetup]
    public void Setup() => _a = NDArray.Zeros(1);

    [GlobalCleanup]
    public void Cleanup() => _a.Dispose();

    [Benchmark(Description = "public API property -> one native call")]
    public int IntraOpThreadsGet() => Engine.IntraOpThreads;

    [Benchmark(Description = "a tiny async push (fill of a 1-element array)")]
    public void PushFill() => _a.Fill(1);
}
