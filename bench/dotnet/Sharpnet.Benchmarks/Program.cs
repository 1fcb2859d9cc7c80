using BenchmarkDotNet.Running;
using Sharpnet.Bench;

// dotnet run -c Release -- measure <name>            one side (Sharpnet), JSON lines
// dotnet run -c Release -- compare <name> [rounds]   both sides alternately, a table and JSON summary
// dotnet run -c Release -- bdn [args]                BenchmarkDotNet microbenchmarks
return args.FirstOrDefault() switch
{
    "measure" when args.Length >= 2 => Measures.Run(args[1]),
    "compare" when args.Length >= 2 => Compare.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 5),
    "bdn" => RunBdn(args[1..]),
    _ => Usage(),
};

static int RunBdn(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(Measures).Assembly).Run(rest);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: measure <name> | compare <name> [rounds] | bdn [args]; measures: " +
                            string.Join(", ", Measures.Names));
    return 2;
}
