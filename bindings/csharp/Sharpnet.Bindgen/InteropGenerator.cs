using Sharpnet.Bindgen.Config;
using Sharpnet.Bindgen.Emit;
using Sharpnet.Bindgen.Mapping;
using Sharpnet.Bindgen.Model;
using Sharpnet.Bindgen.Parsing;

namespace Sharpnet.Bindgen;

/// <summary>c_api.h → Native.g.cs: parse with libclang, check the ABI conventions, emit.</summary>
internal static class InteropGenerator
{
    /// <summary>The generated file's text; throws <see cref="BindgenException"/> on anything it will not bind.</summary>
    internal static string Generate(string headerPath, BindgenConfig config)
    {
        string header = Path.GetFullPath(headerPath);
        if (!File.Exists(header))
        {
            throw new BindgenException($"{headerPath}: no such header");
        }

        // Public headers are included as <sharpnet/c_api.h>: the include root is the header folder's parent.
        string headerFolder = Path.GetDirectoryName(header)!;
        string includeRoot = Path.GetDirectoryName(headerFolder) ?? headerFolder;
        HeaderModel model = HeaderParser.Parse(header, includeRoot);
        ConventionChecker.Check(model, config, new Naming(config));
        return InteropEmitter.Emit(model, config, DisplayPath(header));
    }

    /// <summary>The header's path from the repository root (the folder holding global.json), so output never depends on the checkout's location.</summary>
    private static string DisplayPath(string header)
    {
        for (DirectoryInfo? folder = new FileInfo(header).Directory; folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "global.json")))
            {
                return Path.GetRelativePath(folder.FullName, header).Replace('\\', '/');
            }
        }

        return Path.GetFileName(header);
    }
}
