namespace Sharpnet.Optimizers;

/// <summary>
/// MXNet-style optimizers over the fused in-place update operators: <see cref="CreateState"/> makes a parameter's
/// state, <see cref="Update"/> applies one step to the weight in place. Gradients are multiplied by
/// <see cref="RescaleGrad"/> (usually 1 / batch size) and clipped to [-ClipGradient, ClipGradient] when set.
/// </summary>
public abstract class Optimizer
{
    /// <summary>The common settings.</summary>
    protected Optimizer(double learningRate, double wd, double rescaleGrad, double? clipGradient)
    {
        if (learningRate < 0) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "must be >= 0");
        if (clipGradient is <= 0) throw new ArgumentOutOfRangeException(nameof(clipGradient), clipGradient, "must be > 0 when set");
        (LearningRate, Wd, RescaleGrad, ClipGradient) = (learningRate, wd, rescaleGrad, clipGradient);
    }

    /// <summary>The step size (may be changed between steps, e.g. by a schedule).</summary>
    public double LearningRate { get; set; }
    /// <summary>Weight decay (L2) coefficient.</summary>
    public double Wd { get; }
    /// <summary>Gradient scale applied before clipping, usually 1 / batch size.</summary>
    public double RescaleGrad { get; set; }
    /// <summary>Gradient clipping bound; null: no clipping.</summary>
    public double? ClipGradient { get; }

    /// <summary>The fused ops' clip_gradient (negative: none).</summary>
    protected double Clip => ClipGradient ?? -1;

    /// <summary>The state one parameter needs (null if none); dispose it with the parameter.</summary>
    public abstract OptimizerState? CreateState(int index, NDArray weight);

    /// <summary>One step on <paramref name="weight"/> from <paramref name="grad"/>, in place.</summary>
    public abstract void Update(int index, NDArray weight, NDArray grad, OptimizerState? state);
}

/// <summary>Arrays an optimizer keeps per parameter (momentum, moments) and its step count.</summary>
public sealed class OptimizerState(params NDArray[] arrays) : IDisposable
{
    /// <summary>The state arrays, in the order the optimizer's update op takes them.</summary>
    public NDArray[] Arrays { get; } = arrays;
    /// <summary>Steps taken (Adam's bias correction).</summary>
    public int Steps { get; set; }
    /// <summary>Releases the arrays.</summary>
    public void Dispose()
    {
        foreach (var a in Arrays) a.Dispose();
    }
}

/// <summary>SGD, with momentum when momentum &gt; 0 (sgd_update / sgd_mom_update: mom = momentum * mom - lr * (g + wd * w); w += mom).</summary>
public sealed class Sgd(double learningRate = 0.01, double momentum = 0, double wd = 0, double rescaleGrad = 1,
                        double? clipGradient = null) : Optimizer(learningRate, wd, rescaleGrad, clipGradient)
{
    /// <summary>The momentum coefficient (0: plain SGD, no state).</summary>
    public double Momentum { get; } = momentum is >= 0 and < 1 ? momentum
        : throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "must be in [0, 1)");

    /// <inheritdoc/>
    public override OptimizerState? CreateState(int index, NDArray weight) =>
        Momentum > 0 ? new OptimizerState(NDArray.Zeros(weight.Shape, weight.DType)) : null;

    /// <inheritdoc/>
    public override void Update(int index, NDArray weight, NDArray grad, OptimizerState? state)
    {
        if (Momentum > 0)
        {
            var mom = state?.Arrays[0] ?? throw new ArgumentException("Sgd: momentum needs the state from CreateState", nameof(state));
            ND.SgdMomUpdate(weight, grad, mom, LearningRate, Momentum, Wd, RescaleGrad, Clip, @out: weight);
        }
        else
        {
            ND.SgdUpdate(weight, grad, LearningRate, Wd, RescaleGrad, Clip, @out: weight);
        }
    }
}

/// <summary>Adam (adam_update) with MXNet's bias correction folded into the step size: lr * sqrt(1 - beta2^t) / (1 - beta1^t).</summary>
public sealed class Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
                         double wd = 0, double rescaleGrad = 1, double? clipGradient = null)
    : Optimizer(learningRate, wd, rescaleGrad, clipGradient)
{
    /// <inheritdoc/>
    public override OptimizerState? CreateState(int index, NDArray weight) =>
        new(NDArray.Zeros(weight.Shape, weight.DType), NDArray.Zeros(weight.Shape, weight.DType));

    /// <inheritdoc/>
    public override void Update(int index, NDArray weight, NDArray grad, OptimizerState? state)
    {
        if (state is null || state.Arrays.Length != 2)
            throw new ArgumentException("Adam: needs the state from CreateState (mean and variance)", nameof(state));
        int t = ++state.Steps;
        double lr = LearningRate * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
        ND.AdamUpdate(weight, grad, state.Arrays[0], state.Arrays[1], lr, beta1, beta2, epsilon, Wd, RescaleGrad, Clip,
                      @out: weight);
    }
}
