namespace Sharpnet.Bindgen.Ops;

/// <summary>One operator parameter as the generator sees it (from the native registry, or a test).</summary>
internal sealed record ParamSpec(string Name, ParamKind Kind, ParamKind ElementKind, bool IsRequired, string DefaultLiteral,
                                 string Doc, IReadOnlyList<string> EnumNames);

/// <summary>One registered operator as the generator sees it.</summary>
internal sealed record OpSpec(string Name, string Doc, IReadOnlyList<string> Aliases, IReadOnlyList<string> Inputs,
                              string VariadicKey, int NumVisibleOutputs, IReadOnlyList<ParamSpec> Params,
                              IReadOnlyList<InputCondition?>? InputConditions = null)
{
    /// <summary>The condition of input i (null: always present).</summary>
    internal InputCondition? ConditionOf(int i) => InputConditions is { } c && i < c.Count ? c[i] : null;

    /// <summary>The native registry's operators.</summary>
    internal static IReadOnlyList<OpSpec> FromRegistry() =>
        Operator.All.Select(op => new OpSpec(op.Name, op.Doc, op.Aliases, op.Inputs, op.VariadicKey, op.NumVisibleOutputs,
            op.Params.Select(p => new ParamSpec(p.Name, p.Kind, p.ElementKind, p.IsRequired, p.DefaultLiteral, p.Doc,
                                                p.EnumNames)).ToArray(), op.InputConditions)).ToArray();
}
