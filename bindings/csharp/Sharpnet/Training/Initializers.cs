namespace Sharpnet.Initializers;

/// <summary>
/// Fills parameters by MXNet's name rule (FORMATS.md "Default initialisation by name"): an explicit init
/// attribute wins; otherwise names ending in <c>weight</c> get this initializer's values, <c>bias</c>, <c>beta</c>,
/// <c>min</c> and <c>moving_mean</c> zeros, <c>gamma</c>, <c>max</c> and <c>moving_var</c> ones (suffixes without
/// underscore, as MXNet); anything else is an error naming the parameter.
/// </summary>
public abstract class Initializer
{
    /// <summary>Initialises <paramref name="array"/> in place as the parameter called <paramref name="name"/>.</summary>
    public void Init(string name, NDArray array)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(array);
        if (name.EndsWith("weight", StringComparison.Ordinal)) InitWeight(name, array);
        else if (name.EndsWith("moving_mean", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal) ||
                 name.EndsWith("beta", StringComparison.Ordinal) || name.EndsWith("min", StringComparison.Ordinal)) Fill(array, 0);
        else if (name.EndsWith("moving_var", StringComparison.Ordinal) || name.EndsWith("gamma", StringComparison.Ordinal) ||
                 name.EndsWith("max", StringComparison.Ordinal)) Fill(array, 1);
        else
            throw new ArgumentException($"{GetType().Name}: no initialisation rule for parameter '{name}': expected a name " +
                                        "ending in weight, bias, gamma, beta, moving_mean, moving_var, min or max, or an init attribute");
    }

    /// <summary>Fills a weight (the part each initializer defines).</summary>
    protected abstract void InitWeight(string name, NDArray array);

    /// <summary>Sets every element of <paramref name="array"/> to <paramref name="value"/>.</summary>
    protected static void Fill(NDArray array, double value) => array[..] = value;

    /// <summary>Uniform values in [low, high) drawn into <paramref name="array"/>.</summary>
    protected static void Uniform(NDArray array, double low, double high) =>
        ND.RandomUniform(low, high, array.Shape, dtype: array.DType, @out: array);

    /// <summary>Normal values N(0, sigma^2) drawn into <paramref name="array"/>.</summary>
    protected static void Normal(NDArray array, double sigma) =>
        ND.RandomNormal(0, sigma, array.Shape, dtype: array.DType, @out: array);
}

/// <summary>Weights uniform in [-scale, scale) (MXNet's default scale 0.07).</summary>
public sealed class Uniform(double scale = 0.07) : Initializer
{
    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array) => Uniform(array, -scale, scale);
}

/// <summary>Weights normal with standard deviation sigma (MXNet's default 0.01).</summary>
public sealed class Normal(double sigma = 0.01) : Initializer
{
    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array) => Normal(array, sigma);
}

/// <summary>Weights set to one value.</summary>
public sealed class Constant(double value) : Initializer
{
    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array) => Fill(array, value);
}

/// <summary>Weights set to zero.</summary>
public sealed class Zero() : Initializer
{
    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array) => Fill(array, 0);
}

/// <summary>Weights set to one.</summary>
public sealed class One() : Initializer
{
    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array) => Fill(array, 1);
}

/// <summary>
/// Xavier/Glorot (MXNet's): fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field; the factor is
/// their average ("avg"), fan_in ("in") or fan_out ("out"); scale = sqrt(magnitude / factor); uniform in
/// [-scale, scale) or normal with standard deviation scale. Weights need at least 2 axes.
/// </summary>
public class Xavier : Initializer
{
    private readonly string _rndType, _factorType;
    private readonly double _magnitude;

    /// <summary>MXNet's defaults: uniform, "avg", magnitude 3.</summary>
    public Xavier(string rndType = "uniform", string factorType = "avg", double magnitude = 3)
    {
        if (rndType is not ("uniform" or "gaussian"))
            throw new ArgumentException($"Xavier: rndType must be 'uniform' or 'gaussian', got '{rndType}'", nameof(rndType));
        if (factorType is not ("avg" or "in" or "out"))
            throw new ArgumentException($"Xavier: factorType must be 'avg', 'in' or 'out', got '{factorType}'", nameof(factorType));
        (_rndType, _factorType, _magnitude) = (rndType, factorType, magnitude);
    }

    /// <inheritdoc/>
    protected override void InitWeight(string name, NDArray array)
    {
        Shape s = array.Shape;
        if (s.NDim < 2)
            throw new ArgumentException($"Xavier: '{name}' has shape {s}; it needs at least 2 axes (a vector has no fan-in)");
        double field = 1;
        for (int i = 2; i < s.NDim; i++) field *= s[i];
        double fanIn = s[1] * field, fanOut = s[0] * field;
        double factor = _factorType switch { "in" => fanIn, "out" => fanOut, _ => (fanIn + fanOut) / 2 };
        double scale = Math.Sqrt(_magnitude / factor);
        if (_rndType == "uniform") Uniform(array, -scale, scale);
        else Normal(array, scale);
    }
}

/// <summary>He/MSRA for PReLU (MXNet's MSRAPrelu): Xavier with normal values and magnitude 2 / (1 + slope^2).</summary>
public sealed class MSRAPrelu(string factorType = "avg", double slope = 0.25)
    : Xavier("gaussian", factorType, 2 / (1 + slope * slope));
