// The package smoke test's program (scripts/package-smoke.sh copies it into a fresh console app).
// With the argument "missing" it checks the failure when the native files are gone instead.
using Sharpnet;

if (args.FirstOrDefault() == "missing")
{
    try
    {
        SharpnetLibrary.EnsureLoaded();
        Console.WriteLine("smoke test failed: the native library loaded although it was removed");
        return 1;
    }
    catch (SharpnetException e) when (e.ErrorCode == ErrorCode.NotFound)
    {
        Console.WriteLine(e.Message);
        bool explains = e.Message.Contains("could not be loaded") && e.Message.Contains("Sharpnet.Runtime.linux-x64") &&
                        e.Message.Contains("Probed:") && e.Message.Contains("runtimes/linux-x64/native/libsharpnet.so: no such file");
        Console.WriteLine(explains ? "ok: a missing native library is a clear error with a probe trace" : "smoke test failed: unclear message");
        return explains ? 0 : 1;
    }
}

Console.WriteLine($"Sharpnet {SharpnetLibrary.Version} (managed {SharpnetLibrary.ManagedVersion}), ABI {SharpnetLibrary.AbiVersion}");
Check(SharpnetLibrary.HasFeature("DNNL"), "the native library reports oneDNN");
Engine.IntraOpThreads = 1;
Check(Engine.IntraOpThreads == 1, "engine settings reach the native library");
Engine.IntraOpThreads = 0;
Check(Context.Default.ToString() == "cpu(0)", "the default context is cpu(0)");
Check(Context.NumGpus() == 0, "a CPU runtime sees no GPU");
try
{
    SharpnetLibrary.HasFeature("nope");
    Check(false, "an unknown feature throws");
}
catch (SharpnetException e) when (e.ErrorCode == ErrorCode.NotFound)
{
}

// Operators (the registry's static registrations are in the packaged library), a oneDNN matmul and autograd.
var x = NDArray.Array(new float[] { 1, 2 });
var w = NDArray.Array(new float[] { 2, 3 });
x.AttachGrad();
NDArray z;
using (Autograd.Record()) z = (x * w + 4f).Sum();
z.Backward();
Check(z.AsScalar<float>() == 16f && x.Grad!.ToArray<float>().SequenceEqual(new[] { 2f, 3f }), "operators and autograd run");
Check(ND.Dot(w.Reshape((1, 2)), x.Reshape((2, 1))).AsScalar<float>() == 8f, "dot runs on oneDNN");
Check(Operator.All.Count > 40, "the operator registry is listed");

// The native files must come from the package, not from the system's /usr/lib.
string[] maps = File.ReadAllLines("/proc/self/maps");
foreach (string lib in new[] { "libsharpnet.so", "libdnnl.so.2", "libgomp.so.1" })
{
    string? path = maps.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
                       .FirstOrDefault(p => p.EndsWith("/" + lib));
    Check(path is not null && path.Contains("/runtimes/linux-x64/native/"), $"{lib} is loaded from the package (got {path ?? "nothing"})");
}
Console.WriteLine("smoke test passed");
return 0;

static void Check(bool ok, string what)
{
    if (!ok) throw new InvalidOperationException("smoke test failed: " + what);
    Console.WriteLine("ok: " + what);
}
