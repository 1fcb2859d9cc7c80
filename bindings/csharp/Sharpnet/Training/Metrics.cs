namespace Sharpnet.Metrics;

/// <summary>An evaluation metric accumulated over batches (MXNet's EvalMetric): <see cref="Update"/> with labels and
/// predictions, <see cref="Get"/> the (name, value) so far, <see cref="Reset"/> for a new epoch.</summary>
public abstract class EvalMetric(string name)
{
    /// <summary>The metric's name ("accuracy", "cross-entropy").</summary>
    public string Name { get; } = name;
    /// <summary>Sum of the per-sample values so far.</summary>
    protected double Sum { get; set; }
    /// <summary>Samples counted so far.</summary>
    protected long Count { get; set; }

    /// <summary>Adds a batch: labels (n,) of class indices and predictions (n, classes) of scores or probabilities.</summary>
    public void Update(NDArray labels, NDArray preds)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(preds);
        if (preds.Shape.NDim != 2 || labels.Shape.Size != preds.Shape[0])
            throw new ArgumentException($"{Name}: expected predictions (n, classes) and n labels, got predictions {preds.Shape} " +
                                        $"and labels {labels.Shape}");
        float[] l = Floats(labels), p = Floats(preds);
        int classes = (int)preds.Shape[1];
        for (int i = 0; i < l.Length; i++)
        {
            int label = (int)l[i];
            if (label < 0 || label >= classes || label != l[i])
                throw new ArgumentException($"{Name}: label {l[i]} of sample {i} is not a class index in [0, {classes})");
            Sum += Score(p.AsSpan(i * classes, classes), label);
        }
        Count += l.Length;
    }

    private static float[] Floats(NDArray a)
    {
        if (a.DType == DType.Float32) return a.ToArray<float>();
        using var f = ND.Cast(a, dtype: DType.Float32);
        return f.ToArray<float>();
    }

    /// <summary>The value one sample contributes.</summary>
    protected abstract double Score(ReadOnlySpan<float> pred, int label);

    /// <summary>The metric's name and mean value so far (NaN before any sample).</summary>
    public (string Name, double Value) Get() => (Name, Count > 0 ? Sum / Count : double.NaN);

    /// <summary>Starts again from no samples.</summary>
    public void Reset() => (Sum, Count) = (0, 0);

}

/// <summary>The fraction of samples whose highest-scoring class (first on ties) is the label.</summary>
public sealed class Accuracy() : EvalMetric("accuracy")
{
    /// <inheritdoc/>
    protected override double Score(ReadOnlySpan<float> pred, int label)
    {
        int best = 0;
        for (int c = 1; c < pred.Length; c++)
            if (pred[c] > pred[best]) best = c;
        return best == label ? 1 : 0;
    }
}

/// <summary>The mean of -log(p[label] + eps) over samples, predictions being probabilities (MXNet's eps 1e-12).</summary>
public sealed class CrossEntropy(double eps = 1e-12) : EvalMetric("cross-entropy")
{
    /// <inheritdoc/>
    protected override double Score(ReadOnlySpan<float> pred, int label) => -Math.Log(pred[label] + eps);
}

/// <summary>MXNet's <c>mx.metric.create</c>.</summary>
public static class Metric
{
    /// <summary>A metric by name: "acc"/"accuracy", "ce"/"cross-entropy".</summary>
    public static EvalMetric Create(string name) => name.ToLowerInvariant() switch
    {
        "acc" or "accuracy" => new Accuracy(),
        "ce" or "cross-entropy" or "crossentropy" => new CrossEntropy(),
        _ => throw new ArgumentException($"Metric.Create: unknown metric '{name}'; expected acc, accuracy, ce or cross-entropy", nameof(name)),
    };
}
