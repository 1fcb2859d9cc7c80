using Sharpnet.Bindgen.Config;
using Sharpnet.Bindgen.Mapping;
using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Emit;

/// <summary>Emits the C# types: enums, plain structs and one SafeHandle per handle typedef.</summary>
internal sealed class TypeEmitter(CodeWriter writer, BindgenConfig config, TypeMapper types)
{
    internal void Enum(EnumDeclaration declaration)
    {
        EnumConfig enumConfig = types.EnumConfig(declaration.CName);
        writer.Separate();
        DocWriter.Summary(writer, declaration.Doc);
        writer.Open($"{(enumConfig.Public ? "public" : "internal")} enum {enumConfig.Name} : int");
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool documented = declaration.Members.Any(m => m.Doc.Count > 0);
        foreach (EnumMember member in declaration.Members)
        {
            string name = types.Naming.EnumMember(declaration.CName, enumConfig, member.CName);
            if (!names.Add(name))
            {
                throw new BindgenException($"{declaration.Location}: enum {declaration.CName} has two members named {name} in C#; adjust stripPrefixes or wordMap");
            }

            if (documented)
            {
                writer.Separate();
            }

            DocWriter.Summary(writer, member.Doc);
            writer.Line($"{name} = {member.Value},");
        }

        writer.Close();
    }

    internal void Handle(HandleDeclaration declaration)
    {
        string className = types.HandleClass(declaration.CName);
        string free = types.Naming.FreeFunction(declaration.CName);
        writer.Separate();
        DocWriter.Summary(writer, [.. declaration.Doc, $"Owns a {declaration.CName}; releases it with {free}."]);
        writer.Open($"internal sealed class {className} : SafeHandle");
        writer.Line($"public {className}()");
        writer.Line("    : base(IntPtr.Zero, ownsHandle: true)");
        writer.Line("{");
        writer.Line("}");
        writer.Separate();
        writer.Line("public override bool IsInvalid => handle == IntPtr.Zero;");
        writer.Separate();
        writer.Line($"protected override bool ReleaseHandle() => {config.ClassName}.{free}(handle) == {types.StatusOk()};");
        writer.Close();
    }

    internal void Struct(StructDeclaration declaration)
    {
        string context = $"{declaration.Location}: struct {declaration.CName}";
        var buffers = new List<(string Name, string Element, long Length)>();
        var fields = new List<(IReadOnlyList<string> Doc, string Line)>();
        bool isUnsafe = false;
        foreach (Field field in declaration.Fields)
        {
            string name = types.Naming.Field(field.CName);
            string fieldContext = $"{context} field '{field.CName}'";
            string line;
            if (field.Type is ArrayType array)
            {
                string element = array.Element is CharType ? "byte" : types.Blittable(array.Element, fieldContext);
                if (TypeMapper.IsFixedBufferElement(element))
                {
                    line = $"public fixed {element} {name}[{array.Length}];";
                    isUnsafe = true;
                }
                else
                {
                    buffers.Add(($"{name}Buffer", element, array.Length));
                    line = $"public {name}Buffer {name};";
                    isUnsafe |= element.Contains('*', StringComparison.Ordinal);
                }
            }
            else
            {
                string type = types.Blittable(field.Type, fieldContext);
                line = $"public {type} {name};";
                isUnsafe |= type.Contains('*', StringComparison.Ordinal);
            }

            fields.Add((field.Doc, line));
        }

        writer.Separate();
        DocWriter.Summary(writer, declaration.Doc);
        writer.Line("[StructLayout(LayoutKind.Sequential)]");
        writer.Open($"internal {(isUnsafe ? "unsafe " : string.Empty)}struct {types.Naming.Struct(declaration.CName)}");
        bool documented = fields.Any(f => f.Doc.Count > 0);
        foreach ((IReadOnlyList<string> doc, string line) in fields)
        {
            if (documented)
            {
                writer.Separate();
            }

            DocWriter.Summary(writer, doc);
            writer.Line(line);
        }

        foreach ((string name, string element, long length) in buffers)
        {
            writer.Separate();
            writer.Line($"[InlineArray({length})]");
            writer.Open($"public struct {name}");
            writer.Line($"private {element} _element0;");
            writer.Close();
        }

        writer.Close();
    }
}
