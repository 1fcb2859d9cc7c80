using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sharpnet;

// Pictures and tables of a graph, as MXNet's mx.viz.plot_network and print_summary draw them: both read the graph
// from ToJson() (what MXNet does with tojson) and take shapes from inference over GetInternals().
public sealed partial class Symbol
{
    // MXNet's colour map: variables, conv/fc, activations, batch norm, pooling, concat/flatten/reshape, Softmax, other.
    private static readonly string[] Palette =
        ["#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5"];

    private static readonly string[] WeightSuffixes =
        ["_weight", "_bias", "_beta", "_gamma", "_moving_var", "_moving_mean", "_running_var", "_running_mean"];

    /// <summary>
    /// The graph as Graphviz DOT text, drawn as MXNet's <c>mx.viz.plot_network</c> draws it: operators as filled
    /// boxes labelled like <c>Convolution\n3x3/1x1, 64</c>, <c>FullyConnected\n128</c>, <c>Activation\nrelu</c> or
    /// <c>Pooling\nmax, 2x2/2x2</c>, variables as ovals, MXNet's colours, edges from each node back to its inputs.
    /// With <paramref name="hideWeights"/>, weights, biases and moving statistics (by MXNet's name suffixes) are not
    /// drawn; with <paramref name="shapes"/>, edges are labelled with the inferred shapes without the batch axis.
    /// Render it with <see cref="RenderDot"/> or any Graphviz tool.
    /// </summary>
    public string ToDot(string title = "plot", IReadOnlyDictionary<string, Shape>? shapes = null, bool hideWeights = true)
    {
        ArgumentNullException.ThrowIfNull(title);
        GraphNode[] nodes = ParseNodes(ToJson());
        Dictionary<(string, int), Shape>? entryShapes = shapes is null ? null : EntryShapes(shapes, partial: true);
        var dot = new StringBuilder();
        dot.Append("digraph ").Append(DotQuote(title)).Append(" {\n");
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (GraphNode node in nodes)
        {
            string label = node.Name, shape = "box", fill;
            if (node.Op == "null")
            {
                if (WeightSuffixes.Any(s => node.Name.EndsWith(s, StringComparison.Ordinal)))
                {
                    // Hidden, or (as MXNet) left for Graphviz to draw as a plain node through its edges.
                    if (hideWeights) hidden.Add(node.Name);
                    continue;
                }
                shape = "oval";
                fill = Palette[0];
            }
            else (label, fill) = OpLabel(node);
            dot.Append('\t').Append(DotQuote(node.Name)).Append(" [label=").Append(DotLabel(label))
               .Append(" fillcolor=").Append(DotQuote(fill))
               .Append(" fixedsize=true height=0.8034 shape=").Append(shape).Append(" style=filled width=1.3]\n");
        }
        foreach (GraphNode node in nodes)
        {
            if (node.Op == "null") continue;
            IEnumerable<(int Node, int Index)> inputs = node.Op == "_contrib_BilinearResize2D" ? node.Inputs.Take(1) : node.Inputs;
            foreach ((int id, int index) in inputs)
            {
                GraphNode input = nodes[id];
                if (hidden.Contains(input.Name)) continue;
                string label = "";
                if (entryShapes is not null && entryShapes.TryGetValue((input.Name, index), out Shape s))
                    label = string.Join("x", s.Dims.ToArray().Skip(1));
                dot.Append('\t').Append(DotQuote(node.Name)).Append(" -> ").Append(DotQuote(input.Name))
                   .Append(" [label=").Append(DotLabel(label)).Append(" arrowtail=open dir=back]\n");
            }
        }
        return dot.Append("}\n").ToString();
    }

    /// <summary>
    /// Renders <see cref="ToDot"/> to <paramref name="path"/> with Graphviz's <c>dot</c> in <paramref name="format"/>
    /// (png, svg, pdf, ...). Throws a <see cref="SharpnetException"/> (<see cref="ErrorCode.Unsupported"/>) saying
    /// Graphviz is not installed when no <c>dot</c> is on PATH, and one naming dot's error when it fails.
    /// </summary>
    public void RenderDot(string path, string format = "png", string title = "plot",
                          IReadOnlyDictionary<string, Shape>? shapes = null, bool hideWeights = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(format);
        if (!Regex.IsMatch(format, "^[a-z0-9_:]+$"))
            throw new ArgumentException($"RenderDot: a Graphviz output format such as png, svg or pdf, got '{format}'", nameof(format));
        string text = ToDot(title, shapes, hideWeights);
        string dot = FindOnPath("dot") ?? throw new SharpnetException(ErrorCode.Unsupported,
            "RenderDot: Graphviz is not installed (no 'dot' program on PATH); install it (apt-get install graphviz) " +
            "or render ToDot()'s text elsewhere");
        var start = new ProcessStartInfo(dot)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardInputEncoding = Utf8NoBom,
        };
        start.ArgumentList.Add("-T" + format);
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(Path.GetFullPath(path));
        using var process = Process.Start(start)
            ?? throw new SharpnetException(ErrorCode.IO, $"RenderDot: could not start '{dot}'");
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        try
        {
            process.StandardInput.Write(text);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // dot quit without reading its input (a bad format, say): its exit code and message say why.
        }
        // A big graph renders in seconds; a dot that hangs must not hang the caller.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new SharpnetException(ErrorCode.IO, $"RenderDot: '{dot} -T{format}' did not finish within 2 minutes; it was stopped");
        }
        if (process.ExitCode != 0)
            throw new SharpnetException(ErrorCode.IO,
                $"RenderDot: '{dot} -T{format}' failed with exit code {process.ExitCode}: {(error.Result + output.Result).Trim()}");
    }

    /// <summary>
    /// A table of the layers, as MXNet's <c>mx.viz.print_summary</c> prints it: Layer (type), Output Shape (without the
    /// batch axis), Param # and Previous Layer, then "Total params: N". <paramref name="shapes"/> gives the graph's data
    /// inputs (data, and labels where the graph has them); every other argument an operator takes is a parameter
    /// counted on that operator's row (auxiliary states such as BatchNorm's moving statistics are not, as in MXNet).
    /// </summary>
    public string PrintSummary(IReadOnlyDictionary<string, Shape> shapes, int lineLength = 120)
    {
        var text = new StringWriter { NewLine = "\n" };
        PrintSummary(text, shapes, lineLength);
        return text.ToString();
    }

    /// <summary>As <see cref="PrintSummary(IReadOnlyDictionary{string, Shape}, int)"/>, writing to <paramref name="writer"/>.</summary>
    public void PrintSummary(TextWriter writer, IReadOnlyDictionary<string, Shape> shapes, int lineLength = 120)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentOutOfRangeException.ThrowIfLessThan(lineLength, 20);
        GraphNode[] nodes = ParseNodes(ToJson());
        Dictionary<(string, int), Shape> entryShapes = EntryShapes(shapes, partial: false);
        var arguments = new HashSet<string>(ListArguments(), StringComparer.Ordinal);
        int[] positions = [(int)(lineLength * .44), (int)(lineLength * .64), (int)(lineLength * .74), lineLength];

        void Row(params string[] fields)
        {
            var line = new StringBuilder();
            for (int i = 0; i < fields.Length; i++)
            {
                if (i > 0) line.Append(' ');
                line.Append(fields[i]);
                if (line.Length > positions[i]) line.Length = positions[i];
                line.Append(' ', positions[i] - line.Length);
            }
            writer.WriteLine(line.ToString());
        }
        string ShapeText(string node, int index) =>
            entryShapes.TryGetValue((node, index), out Shape s) ? string.Join("x", s.Dims.ToArray().Skip(1)) : "";
        bool IsDataInput(GraphNode n) => n.Op == "null" && shapes.ContainsKey(n.Name);

        writer.WriteLine(new string('_', lineLength));
        Row("Layer (type)", "Output Shape", "Param #", "Previous Layer");
        writer.WriteLine(new string('=', lineLength));
        var rows = nodes.Where(n => n.Op != "null" || IsDataInput(n)).ToArray();
        var counted = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        for (int r = 0; r < rows.Length; r++)
        {
            GraphNode node = rows[r];
            var previous = new List<string>();
            long parameters = 0;
            foreach ((int id, int _) in node.Inputs)
            {
                GraphNode input = nodes[id];
                if (input.Op != "null" || IsDataInput(input)) previous.Add(input.Name);
                else if (arguments.Contains(input.Name) && counted.Add(input.Name)
                         && entryShapes.TryGetValue((input.Name, 0), out Shape s))
                    parameters += s.Size;
            }
            total += parameters;
            Row($"{node.Name}({node.Op})", ShapeText(node.Name, 0), parameters.ToString(CultureInfo.InvariantCulture),
                previous.FirstOrDefault() ?? "");
            foreach (string more in previous.Skip(1)) Row("", "", "", more);
            writer.WriteLine(new string(r == rows.Length - 1 ? '=' : '_', lineLength));
        }
        writer.WriteLine($"Total params: {total.ToString(CultureInfo.InvariantCulture)}");
        writer.WriteLine(new string('_', lineLength));
    }

    // --- the graph as MXNet's JSON holds it ----------------------------------------------------------------------

    private sealed record GraphNode(string Op, string Name, IReadOnlyDictionary<string, string> Attrs,
                                    IReadOnlyList<(int Node, int Index)> Inputs);

    private static GraphNode[] ParseNodes(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        var nodes = new List<GraphNode>();
        foreach (JsonElement n in doc.RootElement.GetProperty("nodes").EnumerateArray())
        {
            var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (n.TryGetProperty("attrs", out JsonElement a))
                foreach (JsonProperty p in a.EnumerateObject()) attrs[p.Name] = p.Value.GetString() ?? "";
            var inputs = n.GetProperty("inputs").EnumerateArray()
                .Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
            nodes.Add(new GraphNode(n.GetProperty("op").GetString() ?? "", n.GetProperty("name").GetString() ?? "", attrs, inputs));
        }
        return nodes.ToArray();
    }

    // The shape of every visible output, by (node name, output index): internals' heads in order of its outputs.
    private Dictionary<(string, int), Shape> EntryShapes(IReadOnlyDictionary<string, Shape> shapes, bool partial)
    {
        using Symbol internals = GetInternals();
        InferredShapes inferred = partial ? internals.InferShapePartial(shapes) : internals.InferShape(shapes);
        using JsonDocument doc = JsonDocument.Parse(internals.ToJson());
        JsonElement nodes = doc.RootElement.GetProperty("nodes");
        var result = new Dictionary<(string, int), Shape>();
        int i = 0;
        foreach (JsonElement head in doc.RootElement.GetProperty("heads").EnumerateArray())
        {
            string name = nodes[head[0].GetInt32()].GetProperty("name").GetString() ?? "";
            result.TryAdd((name, head[1].GetInt32()), inferred.OutShapes[i++]);
        }
        return result;
    }

    private static (string Label, string Fill) OpLabel(GraphNode node)
    {
        string Attr(string key, string fallback) => node.Attrs.TryGetValue(key, out string? v) ? v : fallback;
        static string Dims(string tuple) => string.Join("x", Regex.Matches(tuple, "[0-9]+").Select(m => m.Value));
        return node.Op switch
        {
            "Convolution" => ($"Convolution\n{Dims(Attr("kernel", ""))}/{(node.Attrs.ContainsKey("stride") ? Dims(Attr("stride", "")) : "1")}, {Attr("num_filter", "")}", Palette[1]),
            "FullyConnected" => ($"FullyConnected\n{Attr("num_hidden", "")}", Palette[1]),
            "BatchNorm" => (node.Name, Palette[3]),
            "Activation" => ($"Activation\n{Attr("act_type", "")}", Palette[2]),
            "LeakyReLU" => ($"LeakyReLU\n{Attr("act_type", "Leaky")}", Palette[2]),
            "Pooling" => ($"Pooling\n{Attr("pool_type", "max")}, {(node.Attrs.ContainsKey("kernel") ? Dims(Attr("kernel", "")) : "[]")}/" +
                          $"{(node.Attrs.ContainsKey("stride") ? Dims(Attr("stride", "")) : "1")}", Palette[4]),
            "Concat" or "Flatten" or "Reshape" => (node.Name, Palette[5]),
            "Softmax" => (node.Name, Palette[6]),
            "Custom" => (Attr("op_type", node.Name), Palette[7]),
            _ => (node.Name, Palette[7]),
        };
    }

    private static readonly Regex DotId = new("^([a-zA-Z_][a-zA-Z0-9_]*|-?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?))$");
    private static readonly HashSet<string> DotKeywords = new(["node", "edge", "graph", "digraph", "subgraph", "strict"],
                                                              StringComparer.OrdinalIgnoreCase);

    // An ID as Python's graphviz writes it: bare when DOT allows, else quoted.
    private static string DotQuote(string id) =>
        DotId.IsMatch(id) && !DotKeywords.Contains(id) ? id : "\"" + DotEscape(id) + "\"";

    // A label: lines joined with DOT's \n (a centred line break).
    private static string DotLabel(string label) =>
        label.Contains('\n') ? "\"" + string.Join("\\n", label.Split('\n').Select(DotEscape)) + "\"" : DotQuote(label);

    private static string DotEscape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string? FindOnPath(string program)
    {
        string[] names = OperatingSystem.IsWindows() ? [program + ".exe"] : [program];
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in names)
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate) && (OperatingSystem.IsWindows() ||
                    (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                    return candidate;
            }
        return null;
    }
}
