using System.Runtime.InteropServices;
using System.Text;

namespace Sharpnet.Bindgen.Clang;

/// <summary>A parsed header; refuses to exist when clang reports an error.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private readonly nint _index;
    private readonly nint _unit;

    private TranslationUnit(nint index, nint unit)
    {
        _index = index;
        _unit = unit;
    }

    internal CXCursor Cursor => LibClang.clang_getTranslationUnitCursor(_unit);

    internal static TranslationUnit Parse(string path, IReadOnlyList<string> arguments)
    {
        LibClangLoader.EnsureLoaded();
        nint index = LibClang.clang_createIndex(excludeDeclarationsFromPch: 0, displayDiagnostics: 0);
        var allocations = new List<nint>();
        try
        {
            byte* file = Utf8(path, allocations);
            byte** argv = stackalloc byte*[arguments.Count];
            for (int i = 0; i < arguments.Count; i++)
            {
                argv[i] = Utf8(arguments[i], allocations);
            }

            nint unit;
            CXErrorCode code = LibClang.clang_parseTranslationUnit2(
                index, file, argv, arguments.Count, null, 0, CXTranslationUnitFlags.SkipFunctionBodies, &unit);
            if (code != CXErrorCode.Success)
            {
                throw new BindgenException($"{path}: libclang could not parse the header ({code})");
            }

            var translationUnit = new TranslationUnit(index, unit);
            index = 0;
            try
            {
                translationUnit.ThrowOnErrors(path);
            }
            catch
            {
                translationUnit.Dispose();
                throw;
            }

            return translationUnit;
        }
        finally
        {
            allocations.ForEach(Marshal.FreeCoTaskMem);
            if (index != 0)
            {
                LibClang.clang_disposeIndex(index);
            }
        }
    }

    public void Dispose()
    {
        LibClang.clang_disposeTranslationUnit(_unit);
        LibClang.clang_disposeIndex(_index);
    }

    private void ThrowOnErrors(string path)
    {
        var errors = new StringBuilder();
        uint count = LibClang.clang_getNumDiagnostics(_unit);
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = LibClang.clang_getDiagnostic(_unit, i);
            try
            {
                if (LibClang.clang_getDiagnosticSeverity(diagnostic) >= CXDiagnosticSeverity.Error)
                {
                    string text = LibClang.clang_formatDiagnostic(diagnostic, LibClang.clang_defaultDiagnosticDisplayOptions()).ToManaged();
                    errors.Append(Environment.NewLine).Append("  ").Append(text);
                }
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(diagnostic);
            }
        }

        if (errors.Length > 0)
        {
            throw new BindgenException($"{path}: clang reported errors:{errors}");
        }
    }

    private static byte* Utf8(string text, List<nint> allocations)
    {
        nint chars = Marshal.StringToCoTaskMemUTF8(text);
        allocations.Add(chars);
        return (byte*)chars;
    }
}
