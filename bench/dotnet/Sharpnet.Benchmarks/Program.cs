using BenchmarkDotNet.Running;

// Every benchmark class in this assembly; pick with --filter. Peers (TorchSharp) run in their own
// process and are compared side by side, interleaved (PERF.md).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
