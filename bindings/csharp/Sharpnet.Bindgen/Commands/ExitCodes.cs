namespace Sharpnet.Bindgen.Commands;

internal static class ExitCodes
{
    internal const int Ok = 0;

    /// <summary>--check found the checked-in file differs from what the generator produces.</summary>
    internal const int Stale = 1;

    /// <summary>A parse error, an unsupported declaration, a bad configuration or bad arguments.</summary>
    internal const int Error = 2;
}
