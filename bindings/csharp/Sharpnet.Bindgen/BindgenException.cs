namespace Sharpnet.Bindgen;

/// <summary>A header, configuration or environment problem the generator refuses to work around (exit code 2).</summary>
internal sealed class BindgenException(string message) : Exception(message);
