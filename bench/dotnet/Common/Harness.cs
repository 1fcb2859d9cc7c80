using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sharpnet.Bench;

/// <summary>
/// The measurement loop both sides of a comparison share (PERF.md): warm up, then time `reps` repetitions of
/// `ops` operations each and print one JSON line with the per-op median and every sample.
/// </summary>
public static class Harness
{
    public static void Measure(string side, string measure, int ops, int reps, Action<int> body, Action? afterRep = null)
    {
        body(Math.Max(1, ops / 10));  // warm-up: JIT, pools, first-touch pages
        afterRep?.Invoke();
        var samples = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            body(ops);
            long t1 = Stopwatch.GetTimestamp();
            afterRep?.Invoke();  // outside the timing: e.g. waiting for the engine to drain
            samples[r] = (t1 - t0) * 1e9 / Stopwatch.Frequency / ops;
        }
        Array.Sort(samples);
        var line = new Dictionary<string, object>
        {
            ["side"] = side,
            ["measure"] = measure,
            ["ns_per_op"] = samples[samples.Length / 2],
            ["samples"] = samples,
            ["threads"] = Environment.GetEnvironmentVariable("OMP_NUM_THREADS") ?? "default",
        };
        Console.WriteLine(JsonSerializer.Serialize(line));
    }

    public static string Fmt(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
}
