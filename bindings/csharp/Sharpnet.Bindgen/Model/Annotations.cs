namespace Sharpnet.Bindgen.Model;

/// <summary>The SN_* annotations of one parameter (the <c>sn:</c> annotate attributes of c_api.h).</summary>
internal sealed record Annotations
{
    internal static readonly Annotations None = new();

    public bool Out { get; init; }

    public bool Nullable { get; init; }

    public bool Borrowed { get; init; }

    public bool Static { get; init; }

    /// <summary>The function named by SN_CALLER_FREES(fn), or null.</summary>
    public string? CallerFrees { get; init; }

    /// <summary>The pointer parameter named by SN_LENGTH_OF(p), or null.</summary>
    public string? LengthOf { get; init; }

    public bool HasOwnership => Borrowed || Static || CallerFrees is not null;

    /// <summary>Adds one annotate attribute's text; null when the text is not an SN_* annotation.</summary>
    internal Annotations? With(string text) => text switch
    {
        "sn:out" => this with { Out = true },
        "sn:nullable" => this with { Nullable = true },
        "sn:borrowed" => this with { Borrowed = true },
        "sn:static" => this with { Static = true },
        _ when text.StartsWith(CallerFreesPrefix, StringComparison.Ordinal) && text.Length > CallerFreesPrefix.Length =>
            this with { CallerFrees = text[CallerFreesPrefix.Length..] },
        _ when text.StartsWith(LengthOfPrefix, StringComparison.Ordinal) && text.Length > LengthOfPrefix.Length =>
            this with { LengthOf = text[LengthOfPrefix.Length..] },
        _ => null,
    };

    private const string CallerFreesPrefix = "sn:caller_frees:";
    private const string LengthOfPrefix = "sn:length_of:";
}
