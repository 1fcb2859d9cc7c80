using System.CommandLine;
using Sharpnet.Bindgen.Config;

namespace Sharpnet.Bindgen.Commands;

/// <summary><c>interop</c>: c_api.h → the P/Invoke layer (Native.g.cs).</summary>
internal static class InteropCommand
{
    internal static Command Create()
    {
        var header = new Option<string>("--header") { Description = "The C ABI header (native/include/sharpnet/c_api.h).", Required = true };
        var config = new Option<string>("--config") { Description = "The generator configuration (interop.json).", Required = true };
        var output = new Option<string>("--out") { Description = "The generated C# file.", Required = true };
        var check = new Option<bool>("--check") { Description = "Compare with --out instead of writing it: exit 1 when stale." };
        var command = new Command("interop", "Generate the P/Invoke layer from the C ABI header.") { header, config, output, check };
        command.SetAction(parseResult =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                BindgenConfig configuration = BindgenConfig.Load(parseResult.GetRequiredValue(config));
                string generated = InteropGenerator.Generate(parseResult.GetRequiredValue(header), configuration);
                string path = parseResult.GetRequiredValue(output);
                return parseResult.GetValue(check)
                    ? GeneratedFile.Check(path, generated, stdout, stderr)
                    : GeneratedFile.Write(path, generated, stdout);
            }
            catch (Exception e) when (e is BindgenException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
