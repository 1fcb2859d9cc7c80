using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.CompilerServices;
using Sharpnet.Bindgen.Commands;

// libclang's structs cross the boundary as plain memory; nothing needs runtime marshalling.
[assembly: DisableRuntimeMarshalling]
[assembly: InternalsVisibleTo("Sharpnet.Bindgen.Tests")]

namespace Sharpnet.Bindgen;

/// <summary>Entry point: one subcommand per generated artifact.</summary>
internal static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Generates Sharpnet's .NET bindings from its native sources.")
        {
            InteropCommand.Create(),
            OpsCommand.Create(),
        };
        ParseResult parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (ParseError parseError in parseResult.Errors)
            {
                error.WriteLine($"error: {parseError.Message}");
            }

            return ExitCodes.Error;
        }

        try
        {
            return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // A bug in the generator: exit 2 like any error, never 1, which means "stale".
            error.WriteLine($"internal error: {e}");
            return ExitCodes.Error;
        }
    }
}
