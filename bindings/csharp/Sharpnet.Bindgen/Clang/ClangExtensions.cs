using System.Runtime.InteropServices;

namespace Sharpnet.Bindgen.Clang;

/// <summary>Managed conveniences over the raw libclang calls: strings, children, locations.</summary>
internal static unsafe class ClangExtensions
{
    internal static string ToManaged(this CXString text)
    {
        try
        {
            byte* chars = LibClang.clang_getCString(text);
            return chars == null ? string.Empty : Marshal.PtrToStringUTF8((nint)chars) ?? string.Empty;
        }
        finally
        {
            LibClang.clang_disposeString(text);
        }
    }

    internal static string Spelling(this CXCursor cursor) => LibClang.clang_getCursorSpelling(cursor).ToManaged();

    internal static string Spelling(this CXType type) => LibClang.clang_getTypeSpelling(type).ToManaged();

    internal static bool IsFromMainFile(this CXCursor cursor) =>
        LibClang.clang_Location_isFromMainFile(LibClang.clang_getCursorLocation(cursor)) != 0;

    /// <summary>"file.h:line" for messages.</summary>
    internal static string Location(this CXCursor cursor)
    {
        CXString file;
        uint line;
        uint column;
        LibClang.clang_getPresumedLocation(LibClang.clang_getCursorLocation(cursor), &file, &line, &column);
        return $"{Path.GetFileName(file.ToManaged())}:{line}";
    }

    internal static string? RawComment(this CXCursor cursor)
    {
        string text = LibClang.clang_Cursor_getRawCommentText(cursor).ToManaged();
        return text.Length == 0 ? null : text;
    }

    internal static List<CXCursor> Children(this CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            LibClang.clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }
}
