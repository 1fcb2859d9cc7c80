using System.CommandLine;
using Sharpnet.Bindgen.Ops;

namespace Sharpnet.Bindgen.Commands;

/// <summary><c>ops</c>: the native operator registry → the per-operator wrappers (ND.g.cs).</summary>
internal static class OpsCommand
{
    internal static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The generated C# file (bindings/csharp/Sharpnet/ND.g.cs).", Required = true };
        var check = new Option<bool>("--check") { Description = "Compare with --out instead of writing it: exit 1 when stale." };
        var command = new Command("ops", "Generate the per-operator NDArray wrappers from the native registry.") { output, check };
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                string generated = OpWrapperGenerator.Generate(OpSpec.FromRegistry());
                string path = parseResult.GetRequiredValue(output);
                return parseResult.GetValue(check)
                    ? GeneratedFile.Check(path, generated, stdout, stderr)
                    : GeneratedFile.Write(path, generated, stdout);
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
