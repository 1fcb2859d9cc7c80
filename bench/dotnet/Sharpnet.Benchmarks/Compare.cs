using System.Diagnostics;
using System.Text.Json;
using Sharpnet.Bench;

/// <summary>Runs Sharpnet and the TorchSharp peer alternately in their own processes (PERF.md) and reports ratios.</summary>
public static class Compare
{
    public static int Run(string measure, int rounds)
    {
        string here = AppContext.BaseDirectory;
        string peer = Path.GetFullPath(Path.Combine(here, "../../TorchSharpPeer/release/TorchSharpPeer.dll"));
        if (!File.Exists(peer))
        {
            Console.Error.WriteLine($"the peer is not built: {peer} (bench/run.sh builds it)");
            return 2;
        }
        string self = Path.Combine(here, "Sharpnet.Benchmarks.dll");
        var ours = new List<double>();
        var theirs = new List<double>();
        for (int r = 0; r < rounds; r++)  // A B A B ...
        {
            ours.Add(RunSide(self, measure));
            theirs.Add(RunSide(peer, measure));
        }
        var ratios = ours.Zip(theirs, (a, b) => a / b).OrderBy(x => x).ToArray();
        double med(List<double> v) => v.OrderBy(x => x).ElementAt(v.Count / 2);
        Console.WriteLine($"{"measure",-16} {"sharpnet ns/op",15} {"torchsharp ns/op",17} {"ratio (median)",15} {"ratio range",17}");
        Console.WriteLine($"{measure,-16} {Harness.Fmt(med(ours)),15} {Harness.Fmt(med(theirs)),17} " +
                          $"{Harness.Fmt(ratios[ratios.Length / 2]),15} {Harness.Fmt(ratios[0]) + "-" + Harness.Fmt(ratios[^1]),17}");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            measure,
            rounds,
            sharpnet_ns_per_op = med(ours),
            torchsharp_ns_per_op = med(theirs),
            ratio_median = ratios[ratios.Length / 2],
            ratio_min = ratios[0],
            ratio_max = ratios[^1],
            note = "ratio = sharpnet time / torchsharp time (lower is better for Sharpnet)",
        }));
        return 0;
    }

    private static double RunSide(string dll, string measure)
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" measure {measure}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(dll)} failed ({p.ExitCode}): {error}");
        var line = output.Split('\n').Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.GetProperty("ns_per_op").GetDouble();
    }
}
