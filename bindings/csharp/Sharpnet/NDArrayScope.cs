namespace Sharpnet;

/// <summary>
/// Disposes every <see cref="NDArray"/> created inside it (on this async flow: the scope follows awaits and child
/// tasks) unless moved out with <see cref="NDArray.MoveToOuterScope"/>. Scopes nest; start one with
/// <see cref="NDArray.NewScope"/>.
/// </summary>
public sealed class NDArrayScope : IDisposable
{
    private static readonly AsyncLocal<NDArrayScope?> Current = new();

    private readonly NDArrayScope? _parent;
    private readonly HashSet<NDArray> _arrays = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    private NDArrayScope(NDArrayScope? parent) => _parent = parent;

    /// <summary>Arrays the scope will dispose.</summary>
    public int Count
    {
        get
        {
            lock (_arrays) return _arrays.Count;
        }
    }

    internal static NDArrayScope Begin()
    {
        var scope = new NDArrayScope(Current.Value);
        Current.Value = scope;
        return scope;
    }

    internal static void Register(NDArray array)
    {
        var scope = Current.Value;
        while (scope is not null && scope._disposed) scope = scope._parent;  // a scope ended on another flow
        scope?.Add(array);
    }

    internal static void MoveOut(NDArray array)
    {
        var scope = array.Scope;
        if (scope is null) return;
        lock (scope._arrays) scope._arrays.Remove(array);
        array.Scope = null;
        scope._parent?.Add(array);
    }

    internal static void Forget(NDArray array)
    {
        var scope = array.Scope;
        if (scope is null) return;
        lock (scope._arrays) scope._arrays.Remove(array);
    }

    private void Add(NDArray array)
    {
        lock (_arrays)
        {
            if (_disposed)
            {
                _parent?.Add(array);
                return;
            }
            _arrays.Add(array);
            array.Scope = this;
        }
    }

    /// <summary>Disposes the arrays still in the scope and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        NDArray[] arrays;
        lock (_arrays)
        {
            if (_disposed) return;
            _disposed = true;
            arrays = _arrays.ToArray();
            _arrays.Clear();
        }
        if (ReferenceEquals(Current.Value, this)) Current.Value = _parent;
        foreach (var a in arrays) a.Dispose();
    }
}
