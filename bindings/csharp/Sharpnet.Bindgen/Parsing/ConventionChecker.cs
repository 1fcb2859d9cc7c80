using Sharpnet.Bindgen.Config;
using Sharpnet.Bindgen.Mapping;
using Sharpnet.Bindgen.Model;

namespace Sharpnet.Bindgen.Parsing;

/// <summary>
/// The ABI conventions of ARCHITECTURE.md ("The C ABI") that span declarations: names, status
/// returns, a free function per handle, and a configuration that covers exactly the header's enums.
/// </summary>
internal static class ConventionChecker
{
    internal static void Check(HeaderModel model, BindgenConfig config, Naming naming)
    {
        var errors = new List<string>();
        Dictionary<string, FunctionDeclaration> functions = model.Declarations.OfType<FunctionDeclaration>()
            .ToDictionary(f => f.CName, StringComparer.Ordinal);
        var status = new NamedType(config.Status.Type, NamedKind.Enum);

        foreach (FunctionDeclaration function in functions.Values)
        {
            string where = $"{function.Location}: {function.CName}";
            if (!function.CName.StartsWith(config.FunctionPrefix, StringComparison.Ordinal))
            {
                errors.Add($"{where}: function names start with \"{config.FunctionPrefix}\"");
            }

            if (function.ReturnType != status && !config.ExemptFromStatus.Contains(function.CName))
            {
                errors.Add($"{where} returns {function.ReturnType}; every function returns {config.Status.Type} (or is listed in exemptFromStatus)");
            }

            foreach (Parameter parameter in function.Parameters)
            {
                if (parameter.Annotations.CallerFrees is { } free && !functions.ContainsKey(free))
                {
                    errors.Add($"{where} parameter '{parameter.CName}' is SN_CALLER_FREES({free}), but the header declares no function {free}");
                }
            }
        }

        foreach (string exempt in config.ExemptFromStatus.Where(name => !functions.ContainsKey(name)))
        {
            errors.Add($"exemptFromStatus lists {exempt}, which the header does not declare");
        }

        foreach (HandleDeclaration handle in model.Declarations.OfType<HandleDeclaration>())
        {
            CheckHandle(handle, functions, status, naming, errors);
        }

        var enums = model.Declarations.OfType<EnumDeclaration>().ToDictionary(e => e.CName, StringComparer.Ordinal);
        foreach (EnumDeclaration declaration in enums.Values.Where(e => !config.Enums.ContainsKey(e.CName)))
        {
            errors.Add(
                $"{declaration.Location}: enum {declaration.CName} is not in the configuration; add \"{declaration.CName}\": "
                + "{ \"name\": ..., \"namespace\": ..., \"public\": ..., \"stripPrefixes\": [...] } to enums in interop.json, deciding its public name");
        }

        foreach (string configured in config.Enums.Keys.Where(name => !enums.ContainsKey(name)))
        {
            errors.Add($"the configuration names enum {configured}, which the header does not declare");
        }

        if (enums.TryGetValue(config.Status.Type, out EnumDeclaration? statusEnum) && statusEnum.Members.All(m => m.CName != config.Status.Ok))
        {
            errors.Add($"{statusEnum.Location}: status.ok \"{config.Status.Ok}\" is not a member of {config.Status.Type}");
        }

        if (errors.Count > 0)
        {
            throw new BindgenException(string.Join(Environment.NewLine, errors));
        }
    }

    private static void CheckHandle(
        HandleDeclaration handle,
        Dictionary<string, FunctionDeclaration> functions,
        NamedType status,
        Naming naming,
        List<string> errors)
    {
        string where = $"{handle.Location}: handle {handle.CName}";
        if (!naming.IsHandleName(handle.CName))
        {
            errors.Add($"{where}: handle typedefs are named {{prefix}}<object>_t, like sn_ndarray_t");
            return;
        }

        string free = naming.FreeFunction(handle.CName);
        bool valid = functions.TryGetValue(free, out FunctionDeclaration? function)
            && function.ReturnType == status
            && function.Parameters is [{ Type: NamedType { Kind: NamedKind.Handle } parameter }]
            && parameter.CName == handle.CName;
        if (!valid)
        {
            errors.Add($"{where} needs a free function: {status.CName} {free}({handle.CName} handle);");
        }
    }
}
