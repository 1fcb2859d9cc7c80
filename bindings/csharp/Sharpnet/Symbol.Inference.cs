using System.Text;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>Inferred shapes of a symbol's arguments, outputs and auxiliary states, each in list order.</summary>
/// <param name="ArgShapes">In <see cref="Symbol.ListArguments"/> order.</param>
/// <param name="OutShapes">In <see cref="Symbol.ListOutputs"/> order.</param>
/// <param name="AuxShapes">In <see cref="Symbol.ListAuxiliaryStates"/> order.</param>
public sealed record InferredShapes(IReadOnlyList<Shape> ArgShapes, IReadOnlyList<Shape> OutShapes, IReadOnlyList<Shape> AuxShapes);

/// <summary>Inferred element types of a symbol's arguments, outputs and auxiliary states (null where unknown).</summary>
/// <param name="ArgTypes">In <see cref="Symbol.ListArguments"/> order.</param>
/// <param name="OutTypes">In <see cref="Symbol.ListOutputs"/> order.</param>
/// <param name="AuxTypes">In <see cref="Symbol.ListAuxiliaryStates"/> order.</param>
public sealed record InferredTypes(IReadOnlyList<DType?> ArgTypes, IReadOnlyList<DType?> OutTypes, IReadOnlyList<DType?> AuxTypes);

// Shape and type inference over the whole graph, forwards and backwards, from some inputs' shapes or types and the
// variables' __shape__/__dtype__ attributes.
public sealed partial class Symbol
{
    /// <summary>
    /// The shapes of every argument, output and auxiliary state from the shapes of some inputs (by name). Throws a
    /// <see cref="SharpnetException"/> (<see cref="ErrorCode.Shape"/>) listing the arguments whose shapes cannot be
    /// decided, where MXNet warns "Cannot decide shape for the following arguments"; a conflict throws naming the node
    /// and the shapes; an unknown name throws listing the inputs.
    /// </summary>
    public InferredShapes InferShape(IReadOnlyDictionary<string, Shape> shapes)
    {
        (InferredShapes result, bool complete) = RunInferShape(shapes);
        if (complete) return result;
        throw new SharpnetException(ErrorCode.Shape,
            "InferShape: " + Unknown("shapes", result.ArgShapes, result.OutShapes, result.AuxShapes, s => !IsKnown(s),
                                     s => s.ToString()) + " (0 in a shape is an unknown dim); InferShapePartial returns what is known");
    }

    /// <summary>
    /// As <see cref="InferShape"/>, returning what can be inferred: an unknown dim is 0 and an unknown rank the empty
    /// shape (MXNet's legacy spelling). It throws only for conflicts and bad input names, never for incompleteness.
    /// </summary>
    public InferredShapes InferShapePartial(IReadOnlyDictionary<string, Shape> shapes) => RunInferShape(shapes).Shapes;

    /// <summary>
    /// The element types of every argument, output and auxiliary state from the types of some inputs (by name). Throws
    /// a <see cref="SharpnetException"/> (<see cref="ErrorCode.Type"/>) listing the arguments whose types cannot be
    /// decided; a conflict throws naming the node and the types.
    /// </summary>
    public InferredTypes InferType(IReadOnlyDictionary<string, DType> types)
    {
        (InferredTypes result, bool complete) = RunInferType(types);
        if (complete) return result;
        throw new SharpnetException(ErrorCode.Type,
            "InferType: " + Unknown("dtypes", result.ArgTypes, result.OutTypes, result.AuxTypes, t => t is null,
                                    t => t?.MXNetName() ?? "unknown") + "; InferTypePartial returns what is known");
    }

    /// <summary>As <see cref="InferType"/>, with null for the types that cannot be inferred; never throws for incompleteness.</summary>
    public InferredTypes InferTypePartial(IReadOnlyDictionary<string, DType> types) => RunInferType(types).Types;

    private static bool IsKnown(Shape s) => s.NDim > 0 && !s.Dims.Contains(0L);

    // "cannot decide the shapes of these arguments; give them as inputs: conv1_weight: (0, 3, 3, 3), ..." (what MXNet
    // warns); when every argument is known, the auxiliary states or outputs still unknown, else that an internal one is.
    private string Unknown<T>(string what, IReadOnlyList<T> args, IReadOnlyList<T> outs, IReadOnlyList<T> aux, Func<T, bool> unknown,
                              Func<T, string> text)
    {
        string Pick(IReadOnlyList<string> names, IReadOnlyList<T> values) =>
            string.Join(", ", names.Zip(values).Where(p => unknown(p.Second)).Select(p => $"{p.First}: {text(p.Second)}"));
        string a = Pick(ListArguments(), args);
        if (a.Length > 0) return $"cannot decide the {what} of these arguments; give them as inputs: {a}";
        string rest = string.Join("; ", new[] { Pick(ListAuxiliaryStates(), aux), Pick(ListOutputs(), outs) }.Where(t => t.Length > 0));
        return rest.Length > 0
            ? $"every argument's {what} is known, but not these: {rest}"
            : $"every argument's {what} is known, but not those of some internal entries";
    }

    private unsafe (InferredShapes Shapes, bool Complete) RunInferShape(IReadOnlyDictionary<string, Shape> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var entries = shapes.ToArray();
        byte[] names = NulText.Join(entries.Select(e => e.Key), "InferShape input names");
        long[] dims = entries.SelectMany(e => e.Value.ToArray()).ToArray();
        int[] ndims = entries.Select(e => e.Value.NDim).ToArray();
        NativeStatus.Check(Native.sn_symbol_infer_shape(Handle, names, dims, ndims, out long* resultDims, out int* resultNDims,
                                                        out int numArgs, out int numOutputs, out int numAux, out byte complete));
        // The results are borrowed until the next native call on this thread: copy them out first.
        var all = new Shape[numArgs + numOutputs + numAux];
        long at = 0;
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = new Shape(new ReadOnlySpan<long>(resultDims + at, resultNDims[i]));
            at += resultNDims[i];
        }
        var result = new InferredShapes(all[..numArgs], all[numArgs..(numArgs + numOutputs)], all[(numArgs + numOutputs)..]);
        return (result, complete != 0);
    }

    private unsafe (InferredTypes Types, bool Complete) RunInferType(IReadOnlyDictionary<string, DType> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var entries = types.ToArray();
        foreach (var (name, dtype) in entries)
            if (!Enum.IsDefined(dtype))
                throw new ArgumentOutOfRangeException(nameof(types), $"InferType: '{name}' has an unknown dtype flag {(int)dtype}");
        byte[] names = NulText.Join(entries.Select(e => e.Key), "InferType input names");
        int[] flags = entries.Select(e => (int)e.Value).ToArray();
        NativeStatus.Check(Native.sn_symbol_infer_type(Handle, names, flags, out int* result, out int numArgs, out int numOutputs,
                                                       out int numAux, out byte complete));
        var all = new DType?[numArgs + numOutputs + numAux];
        for (int i = 0; i < all.Length; i++) all[i] = result[i] < 0 ? null : (DType)result[i];
        return (new InferredTypes(all[..numArgs], all[numArgs..(numArgs + numOutputs)], all[(numArgs + numOutputs)..]), complete != 0);
    }
}
