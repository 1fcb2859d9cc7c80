using System.CommandLine;
using Sharpnet.Bindgen.Ops;

namespace Sharpnet.Bindgen.Commands;

/// <summary><c>ops</c>: the native operator registry → the per-operator wrappers (ND.g.cs and Sym.g.cs).</summary>
internal static class OpsCommand
{
    internal static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The generated NDArray wrappers (bindings/csharp/Sharpnet/ND.g.cs).", Required = true };
        var symOutput = new Option<string>("--sym-out") { Description = "The generated Symbol wrappers (bindings/csharp/Sharpnet/Sym.g.cs).", Required = true };
        var check = new Option<bool>("--check") { Description = "Compare with the outputs instead of writing them: exit 1 when stale." };
        var command = new Command("ops", "Generate the per-operator NDArray and Symbol wrappers from the native registry.") { output, symOutput, check };
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                IReadOnlyList<OpSpec> ops = OpSpec.FromRegistry();
                (string Path, string Content)[] files =
                [
                    (parseResult.GetRequiredValue(output), OpWrapperGenerator.Generate(ops)),
                    (parseResult.GetRequiredValue(symOutput), SymWrapperGenerator.Generate(ops)),
                ];
                // Every file is checked (or written) so one run reports all stale ones.
                int result = ExitCodes.Ok;
                foreach ((string path, string content) in files)
                {
                    int code = parseResult.GetValue(check)
                        ? GeneratedFile.Check(path, content, stdout, stderr)
                        : GeneratedFile.Write(path, content, stdout);
                    result = Math.Max(result, code);
                }
                return result;
            }
            catch (Exception e) when (e is BindgenException or IOException or UnauthorizedAccessException or SharpnetException
                                          or DllNotFoundException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
