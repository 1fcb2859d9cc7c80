using System.Runtime.InteropServices;

namespace Sharpnet.Bindgen.Clang;

/// <summary>The few libclang C API functions the generator uses; resolved by <see cref="LibClangLoader"/>.</summary>
internal static unsafe partial class LibClang
{
    internal const string LibraryName = "libclang";

    [LibraryImport(LibraryName)]
    internal static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);

    [LibraryImport(LibraryName)]
    internal static partial void clang_disposeIndex(nint index);

    [LibraryImport(LibraryName)]
    internal static partial CXErrorCode clang_parseTranslationUnit2(
        nint index,
        byte* sourceFilename,
        byte** commandLineArgs,
        int numCommandLineArgs,
        void* unsavedFiles,
        uint numUnsavedFiles,
        CXTranslationUnitFlags options,
        nint* translationUnit);

    [LibraryImport(LibraryName)]
    internal static partial void clang_disposeTranslationUnit(nint translationUnit);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_getNumDiagnostics(nint translationUnit);

    [LibraryImport(LibraryName)]
    internal static partial nint clang_getDiagnostic(nint translationUnit, uint index);

    [LibraryImport(LibraryName)]
    internal static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);

    [LibraryImport(LibraryName)]
    internal static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(LibraryName)]
    internal static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(LibraryName)]
    internal static partial byte* clang_getCString(CXString text);

    [LibraryImport(LibraryName)]
    internal static partial void clang_disposeString(CXString text);

    [LibraryImport(LibraryName)]
    internal static partial CXCursor clang_getTranslationUnitCursor(nint translationUnit);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_visitChildren(
        CXCursor parent,
        delegate* unmanaged<CXCursor, CXCursor, nint, CXChildVisitResult> visitor,
        nint clientData);

    [LibraryImport(LibraryName)]
    internal static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial int clang_Location_isFromMainFile(CXSourceLocation location);

    [LibraryImport(LibraryName)]
    internal static partial void clang_getPresumedLocation(CXSourceLocation location, CXString* filename, uint* line, uint* column);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_Cursor_isAnonymous(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_isCursorDefinition(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_equalCursors(CXCursor a, CXCursor b);

    [LibraryImport(LibraryName)]
    internal static partial CXString clang_Cursor_getRawCommentText(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXSourceRange clang_Cursor_getCommentRange(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_equalRanges(CXSourceRange a, CXSourceRange b);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial long clang_getEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getCursorResultType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial int clang_Cursor_getNumArguments(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_Cursor_isVariadic(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_Cursor_isBitField(CXCursor cursor);

    [LibraryImport(LibraryName)]
    internal static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXString clang_getTypedefName(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_Type_getNamedType(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getPointeeType(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_isConstQualifiedType(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getResultType(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial CXType clang_getArrayElementType(CXType type);

    [LibraryImport(LibraryName)]
    internal static partial long clang_getArraySize(CXType type);
}
