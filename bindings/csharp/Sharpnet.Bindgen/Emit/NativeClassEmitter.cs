using Sharpnet.Bindgen.Config;
using Sharpnet.Bindgen.Mapping;
using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Emit;

/// <summary>Emits the imports class: constants, callback notes, one LibraryImport per function plus span overloads.</summary>
internal sealed class NativeClassEmitter(CodeWriter writer, BindgenConfig config, TypeMapper types)
{
    private readonly FunctionMapper _functions = new(types);

    internal void Emit(HeaderModel model)
    {
        writer.Separate();
        writer.Open($"internal static unsafe partial class {config.ClassName}");
        writer.Line($"internal const string LibraryName = \"{config.LibraryName}\";");
        foreach (Declaration declaration in model.Declarations)
        {
            switch (declaration)
            {
                case ConstantsDeclaration constants:
                    Constants(constants);
                    break;
                case CallbackDeclaration callback:
                    Callback(callback);
                    break;
                case FunctionDeclaration function:
                    Function(_functions.Map(function));
                    break;
            }
        }

        writer.Close();
    }

    private void Constants(ConstantsDeclaration constants)
    {
        foreach (EnumMember member in constants.Members)
        {
            writer.Separate();
            DocWriter.Summary(writer, member.Doc.Count > 0 ? member.Doc : constants.Doc);
            writer.Line($"internal const int {types.Naming.Constant(member.CName)} = {member.Value};");
        }
    }

    private void Callback(CallbackDeclaration callback)
    {
        writer.Separate();
        DocWriter.Comment(writer, [$"{callback.CName}: {types.FunctionPointer(callback)}", .. callback.Doc]);
    }

    private void Function(MappedFunction function)
    {
        FunctionDeclaration source = function.Source;
        string stringMarshalling = !function.UsesStrings ? string.Empty
            : config.StringMarshaller is { } custom
                ? $", StringMarshalling = StringMarshalling.Custom, StringMarshallingCustomType = typeof({custom})"
                : ", StringMarshalling = StringMarshalling.Utf8";
        writer.Separate();
        DocWriter.Summary(writer, source.Doc);
        DocWriter.Parameters(writer, source.Parameters);
        writer.Line($"[LibraryImport(LibraryName, EntryPoint = \"{source.CName}\"{stringMarshalling})]");
        string parameters = string.Join(", ", function.Parameters.Select(p => $"{(p.IsOut ? "out " : string.Empty)}{p.Type} {p.Name}"));
        writer.Line($"internal static partial {function.ReturnType} {source.CName}({parameters});");
        if (function.Spans.Count > 0)
        {
            SpanOverload(function);
        }
    }

    /// <summary>The same call with each pointer + length pair given as one span, pinned for the call.</summary>
    private void SpanOverload(MappedFunction function)
    {
        FunctionDeclaration source = function.Source;
        Dictionary<int, SpanPair> byPointer = function.Spans.ToDictionary(s => s.PointerIndex);
        Dictionary<int, SpanPair> byLength = function.Spans.ToDictionary(s => s.LengthIndex);
        var parameters = new List<string>();
        var arguments = new List<string>();
        for (int i = 0; i < function.Parameters.Count; i++)
        {
            MappedParameter parameter = function.Parameters[i];
            if (byPointer.TryGetValue(i, out SpanPair? span))
            {
                parameters.Add($"{span.SpanType} {parameter.Name}");
                arguments.Add(PinnedName(parameter));
            }
            else if (byLength.TryGetValue(i, out span))
            {
                string length = $"{function.Parameters[span.PointerIndex].Name}.Length";
                arguments.Add(span.LengthType == "int" ? length : $"checked(({span.LengthType}){length})");
            }
            else
            {
                string modifier = parameter.IsOut ? "out " : string.Empty;
                parameters.Add($"{modifier}{parameter.Type} {parameter.Name}");
                arguments.Add(modifier + parameter.Name);
            }
        }

        writer.Separate();
        DocWriter.Summary(writer, source.Doc);
        DocWriter.Parameters(writer, source.Parameters.Where((_, i) => !byLength.ContainsKey(i)));
        writer.Open($"internal static {function.ReturnType} {source.CName}({string.Join(", ", parameters)})");
        foreach (SpanPair span in function.Spans)
        {
            MappedParameter pointer = function.Parameters[span.PointerIndex];
            writer.Line($"fixed ({span.ElementType}* {PinnedName(pointer)} = {pointer.Name})");
        }

        writer.OpenBrace();
        string call = $"{source.CName}({string.Join(", ", arguments)});";
        writer.Line(function.ReturnType == "void" ? call : $"return {call}");
        writer.Close();
        writer.Close();
    }

    private static string PinnedName(MappedParameter parameter) => parameter.Source.CName + "Ptr";
}
