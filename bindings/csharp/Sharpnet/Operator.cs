using System.Collections.Frozen;
using Sharpnet.Interop;

namespace Sharpnet;

/// <summary>One parameter of a registered operator, as the native registry declares it.</summary>
/// <param name="Name">MXNet's name (<c>num_filter</c>).</param>
/// <param name="Index">Its position in the operator's parameter list.</param>
/// <param name="Kind">Bool, Int, Float, String, Tuple, Enum or DType.</param>
/// <param name="ElementKind">For tuples, Int or Float; otherwise <paramref name="Kind"/>.</param>
/// <param name="IsOptional">None is a value.</param>
/// <param name="IsRequired">No default: it must be given.</param>
/// <param name="DefaultLiteral">The default in MXNet's spelling ("" when required).</param>
/// <param name="Doc">A one-line description.</param>
/// <param name="EnumNames">An enum's value names, in MXNet's order.</param>
/// <param name="Min">Inclusive lower bound of numbers (each item of tuples).</param>
/// <param name="Max">Inclusive upper bound.</param>
public sealed record OperatorParam(string Name, int Index, ParamKind Kind, ParamKind ElementKind, bool IsOptional,
                                   bool IsRequired, string DefaultLiteral, string Doc, IReadOnlyList<string> EnumNames,
                                   double? Min, double? Max);

/// <summary>An input exists only when a parameter has a value.</summary>
/// <param name="Param">The parameter (<c>use_length</c>).</param>
/// <param name="Value">Its value, in MXNet's spelling (<c>True</c>).</param>
public sealed record InputCondition(string Param, string Value);

/// <summary>A registered operator: what the native registry declares about it (MXNet's op introspection).</summary>
public sealed class Operator
{
    private static readonly Lazy<(Operator[] All, FrozenDictionary<string, Operator> ByName)> s_registry =
        new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly FrozenDictionary<string, OperatorParam> _params;

    private Operator(int id, string name, string doc, string[] aliases, string[] aliasHints, string[] inputs,
                     bool[] auxiliary, InputCondition?[] conditions, string variadicKey, string[] outputs, int numOutputs, int numVisibleOutputs,
                     OperatorParam[] parameters, bool differentiable, DType[] dtypes)
    {
        Id = id;
        Name = name;
        Doc = doc;
        Aliases = aliases;
        AliasNameHints = aliasHints;
        Inputs = inputs;
        AuxiliaryInputs = inputs.Where((_, i) => auxiliary[i]).ToArray();
        InputConditions = conditions;
        VariadicKey = variadicKey;
        Outputs = outputs;
        NumOutputs = numOutputs;
        NumVisibleOutputs = numVisibleOutputs;
        Params = parameters;
        IsDifferentiable = differentiable;
        DTypes = dtypes;
        _params = parameters.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The native id (stable for the life of the process).</summary>
    internal int Id { get; }
    /// <summary>The canonical name (<c>broadcast_add</c>, <c>Convolution</c>, <c>_plus_scalar</c>).</summary>
    public string Name { get; }
    /// <summary>What it computes.</summary>
    public string Doc { get; }
    /// <summary>Other names it is called by (<c>broadcast_plus</c>, <c>_PlusScalar</c>).</summary>
    public IReadOnlyList<string> Aliases { get; }
    /// <summary>For each alias, the name hint of graph nodes created through it (<c>_PlusScalar</c> → <c>_plusscalar</c>).</summary>
    public IReadOnlyList<string> AliasNameHints { get; }
    /// <summary>Named inputs, in MXNet's order (empty when the inputs are variadic).</summary>
    public IReadOnlyList<string> Inputs { get; }
    /// <summary>Inputs the operator mutates (auxiliary states such as a moving mean).</summary>
    public IReadOnlyList<string> AuxiliaryInputs { get; }
    /// <summary>
    /// For each named input, the parameter value it exists under (softmax's <c>length</c> when <c>use_length</c> is
    /// True), or null for inputs that are always there. Conditional inputs are trailing.
    /// </summary>
    public IReadOnlyList<InputCondition?> InputConditions { get; }
    /// <summary>The parameter counting variadic inputs (<c>num_args</c>), or "".</summary>
    public string VariadicKey { get; }
    /// <summary>Whether the inputs are a list rather than named.</summary>
    public bool HasVariadicInputs => VariadicKey.Length > 0;
    /// <summary>Output names, visible ones first.</summary>
    public IReadOnlyList<string> Outputs { get; }
    /// <summary>All outputs, hidden ones included; -1 when a parameter decides.</summary>
    public int NumOutputs { get; }
    /// <summary>Outputs a caller gets; -1 when a parameter decides.</summary>
    public int NumVisibleOutputs { get; }
    /// <summary>Parameters, in declaration order.</summary>
    public IReadOnlyList<OperatorParam> Params { get; }
    /// <summary>Whether it has a gradient (possibly zero).</summary>
    public bool IsDifferentiable { get; }
    /// <summary>Element types its kernels support.</summary>
    public IReadOnlyList<DType> DTypes { get; }

    /// <summary>Every registered operator, in registration order.</summary>
    public static IReadOnlyList<Operator> All => s_registry.Value.All;

    /// <summary>The operator with this canonical name or alias; an unknown name throws, suggesting close names.</summary>
    public static Operator Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (s_registry.Value.ByName.TryGetValue(name, out Operator? op)) return op;
        NativeStatus.Check(Native.sn_op_find(name, out _));  // throws with the native suggestion
        throw new SharpnetException(ErrorCode.NotFound, $"unknown operator '{name}'");
    }

    /// <summary>Whether an operator has this name or alias.</summary>
    public static bool TryGet(string name, out Operator op) => s_registry.Value.ByName.TryGetValue(name, out op!);

    /// <summary>A parameter by MXNet name; an unknown name throws naming the operator's parameters.</summary>
    public OperatorParam Param(string name) => _params.TryGetValue(name, out OperatorParam? p)
        ? p
        : throw new SharpnetException(ErrorCode.NotFound,
            $"{Name}: unknown parameter '{name}'; {Name} takes {(Params.Count == 0 ? "no parameters" : string.Join(", ", Params.Select(q => q.Name)))}");

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static unsafe (Operator[], FrozenDictionary<string, Operator>) Load()
    {
        SharpnetLibrary.EnsureLoaded();
        NativeStatus.Check(Native.sn_op_count(out int count));
        var all = new Operator[count];
        var byName = new Dictionary<string, Operator>(StringComparer.Ordinal);
        Span<DType> dtypes = stackalloc DType[32];
        for (int id = 0; id < count; id++)
        {
            NativeStatus.Check(Native.sn_op_get_info(id, out byte* name, out byte* doc, out int numAliases, out int numInputs,
                out byte* variadic, out int numOutputs, out int numVisible, out int numParams, out byte differentiable));
            var aliases = new string[numAliases];
            var hints = new string[numAliases];
            for (int i = 0; i < numAliases; i++)
            {
                NativeStatus.Check(Native.sn_op_get_alias(id, i, out byte* alias, out byte* hint));
                aliases[i] = NativeStatus.ReadUtf8(alias);
                hints[i] = NativeStatus.ReadUtf8(hint);
            }
            var inputs = new string[numInputs];
            var aux = new bool[numInputs];
            var conditions = new InputCondition?[numInputs];
            for (int i = 0; i < numInputs; i++)
            {
                NativeStatus.Check(Native.sn_op_get_input(id, i, out byte* input, out byte isAux));
                inputs[i] = NativeStatus.ReadUtf8(input);
                aux[i] = isAux != 0;
                NativeStatus.Check(Native.sn_op_get_input_condition(id, i, out byte* param, out byte* value));
                string p = NativeStatus.ReadUtf8(param);
                if (p.Length > 0) conditions[i] = new InputCondition(p, NativeStatus.ReadUtf8(value));
            }
            var outputs = new List<string>();
            for (int i = 0; i < Math.Max(numOutputs, 0); i++)
            {
                NativeStatus.Check(Native.sn_op_get_output(id, i, out byte* output, out _));
                outputs.Add(NativeStatus.ReadUtf8(output));
            }
            var parameters = new OperatorParam[numParams];
            for (int i = 0; i < numParams; i++)
            {
                NativeStatus.Check(Native.sn_op_get_param(id, i, out byte* pname, out ParamKind kind, out ParamKind element,
                    out byte optional, out byte required, out byte* dflt, out byte* pdoc, out int numEnum));
                var enums = new string[numEnum];
                for (int e = 0; e < numEnum; e++)
                {
                    NativeStatus.Check(Native.sn_op_get_param_enum_name(id, i, e, out byte* ename));
                    enums[e] = NativeStatus.ReadUtf8(ename);
                }
                NativeStatus.Check(Native.sn_op_get_param_range(id, i, out byte hasMin, out double min, out byte hasMax, out double max));
                parameters[i] = new OperatorParam(NativeStatus.ReadUtf8(pname), i, kind, element, optional != 0, required != 0,
                    NativeStatus.ReadUtf8(dflt), NativeStatus.ReadUtf8(pdoc), enums, hasMin != 0 ? min : null,
                    hasMax != 0 ? max : null);
            }
            NativeStatus.Check(Native.sn_op_get_dtypes(id, dtypes, out int numDTypes));
            var op = new Operator(id, NativeStatus.ReadUtf8(name), NativeStatus.ReadUtf8(doc), aliases, hints, inputs, aux, conditions,
                NativeStatus.ReadUtf8(variadic), outputs.ToArray(), numOutputs, numVisible, parameters, differentiable != 0,
                dtypes[..Math.Min(numDTypes, dtypes.Length)].ToArray());
            all[id] = op;
            byName[op.Name] = op;
            foreach (string alias in aliases) byName[alias] = op;
        }
        return (all, byName.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
