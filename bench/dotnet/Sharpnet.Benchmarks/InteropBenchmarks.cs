using BenchmarkDotNet.Attributes;
using Sharpnet;

/// <summary>The floor under every Sharpnet call from C#: the load check, one P/Invoke, the status check.</summary>
[MemoryDiagnoser]
public class InteropBenchmarks
{
    [GlobalSetup]
    public void Setup() => SharpnetLibrary.EnsureLoaded();

    [Benchmark(Description = "public API property -> one native call")]
    public int IntraOpThreadsGet() => Engine.IntraOpThreads;
}
