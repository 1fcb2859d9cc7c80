using System.Globalization;

namespace Sharpnet;

/// <summary>
/// Names graph nodes created without a name (MXNet's NameManager): the hint (the lowercased operator name, such as
/// <c>convolution</c> or <c>_plusscalar</c>) and a counter per hint, <c>convolution0</c>, <c>convolution1</c>, ...
/// A manager with a prefix (MXNet's Prefix) puts it before every name it returns, given or generated.
/// </summary>
/// <remarks>
/// The current manager flows with async code (AsyncLocal); outside any scope it is one process-wide manager, so
/// counters keep growing over the life of the process. <see cref="Scope"/> (or <see cref="Symbol.NameScope"/>)
/// starts a fresh one until disposed, which is also how to get names that do not depend on what ran before.
/// </remarks>
public sealed class NameManager
{
    private static readonly NameManager s_root = new("");
    private static readonly AsyncLocal<NameManager?> s_current = new();

    private readonly Dictionary<string, long> _counters = new(StringComparer.Ordinal);

    private NameManager(string prefix) => Prefix = prefix;

    /// <summary>The manager naming nodes on this async flow.</summary>
    public static NameManager Current => s_current.Value ?? s_root;

    /// <summary>What every name this manager returns starts with ("" for none).</summary>
    public string Prefix { get; }

    /// <summary>
    /// The name of a new node: <paramref name="name"/> if given (not empty), else <paramref name="hint"/> and the next
    /// count for that hint; either way after <see cref="Prefix"/> (MXNet's NameManager.get and Prefix.get).
    /// </summary>
    public string Get(string? name, string hint)
    {
        ArgumentException.ThrowIfNullOrEmpty(hint);
        if (string.IsNullOrEmpty(name))
        {
            long count;
            lock (_counters)
            {
                _counters.TryGetValue(hint, out count);
                _counters[hint] = count + 1;
            }
            name = hint + count.ToString(CultureInfo.InvariantCulture);
        }
        return Prefix + name;
    }

    /// <summary>
    /// Makes a new manager, with fresh counters and <paramref name="prefix"/>, the current one until the returned scope
    /// is disposed (which restores the manager current before it). Scopes nest; an inner prefix replaces an outer one,
    /// as MXNet's Prefix does.
    /// </summary>
    /// <remarks>Scopes end innermost first: disposing an outer scope while an inner one is current throws.</remarks>
    public static IDisposable Scope(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        NameManager? previous = s_current.Value;
        var scope = new NameManager(prefix);
        s_current.Value = scope;
        return new Restore(scope, previous);
    }

    private sealed class Restore(NameManager scope, NameManager? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            // Restoring out of order would bring back a scope that has ended.
            if (!ReferenceEquals(s_current.Value, scope))
                throw new InvalidOperationException(
                    $"NameManager: the scope with prefix '{scope.Prefix}' is disposed while an inner scope is still current; dispose scopes innermost first");
            _disposed = true;
            s_current.Value = previous;
        }
    }
}
