using System.Collections;

namespace Sharpnet.IO;

/// <summary>How <see cref="NDArrayIter"/> ends an epoch whose samples do not fill the last batch.</summary>
public enum LastBatch
{
    /// <summary>Fill the last batch with samples from the start of the epoch; <see cref="DataBatch.Pad"/> counts them.</summary>
    Pad,
    /// <summary>Drop the incomplete last batch.</summary>
    Discard,
    /// <summary>Keep the remaining samples for the start of the next epoch.</summary>
    RollOver,
}

/// <summary>A named input of a batch and its shape (MXNet's DataDesc).</summary>
public sealed record DataDesc(string Name, Shape Shape, DType DType = DType.Float32);

/// <summary>One batch: data and label arrays (first axis = batch), how many samples are padding, and which
/// samples (indices into the iterator's arrays) it holds.</summary>
public sealed class DataBatch : IDisposable
{
    internal DataBatch(NDArray[] data, NDArray[] label, int pad, int[] index)
    {
        Data = data;
        Label = label;
        Pad = pad;
        Index = index;
    }

    /// <summary>The data arrays, in <see cref="NDArrayIter.ProvideData"/> order.</summary>
    public IReadOnlyList<NDArray> Data { get; }
    /// <summary>The label arrays, in <see cref="NDArrayIter.ProvideLabel"/> order (none without labels).</summary>
    public IReadOnlyList<NDArray> Label { get; }
    /// <summary>Samples at the end of the batch that repeat the epoch's first ones (<see cref="LastBatch.Pad"/>).</summary>
    public int Pad { get; }
    /// <summary>The samples in the batch, as indices along the iterator arrays' first axis.</summary>
    public IReadOnlyList<int> Index { get; }

    /// <summary>Releases the batch's arrays now.</summary>
    public void Dispose()
    {
        foreach (var a in Data) a.Dispose();
        foreach (var a in Label) a.Dispose();
    }
}

/// <summary>
/// Batches over in-memory arrays along their first axis, as MXNet's <c>mx.io.NDArrayIter</c>: a batch size,
/// optional shuffling (a new order each epoch, from <c>seed</c>), and the last-batch rule. Enumerating starts a new
/// epoch (the previous one is reset); each batch's arrays are new (dispose them or use a scope).
/// </summary>
public sealed class NDArrayIter : IEnumerable<DataBatch>
{
    private readonly (string Name, NDArray Array)[] _data, _label;
    private readonly int _count;
    private readonly Random _random;
    private int[] _carry = System.Array.Empty<int>();  // RollOver: samples left from the previous epoch

    /// <summary>Iterates one data array (named "data") and an optional label array (named "softmax_label").</summary>
    public NDArrayIter(NDArray data, NDArray? label = null, int batchSize = 1, bool shuffle = false,
                       LastBatch lastBatchHandle = LastBatch.Pad, int? seed = null)
        : this(("data", data), label is null ? null : ("softmax_label", label), batchSize, shuffle, lastBatchHandle, seed) { }

    /// <summary>Iterates named data and label arrays (API.md: <c>new NDArrayIter(data: ("data", x), label: ("softmax_label", y), ...)</c>).</summary>
    public NDArrayIter((string Name, NDArray Array) data, (string Name, NDArray Array)? label = null, int batchSize = 1,
                       bool shuffle = false, LastBatch lastBatchHandle = LastBatch.Pad, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data.Array);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _data = new[] { data };
        _label = label is { } l ? new[] { l } : System.Array.Empty<(string, NDArray)>();
        foreach (var (name, array) in _data.Concat(_label))
        {
            ArgumentNullException.ThrowIfNull(array, name);
            if (array.Shape.NDim < 1)
                throw new ArgumentException($"NDArrayIter: '{name}' needs a first (sample) axis, got shape {array.Shape}");
        }
        _count = checked((int)data.Array.Shape[0]);
        foreach (var (name, array) in _label)
            if (array.Shape[0] != _count)
                throw new ArgumentException($"NDArrayIter: '{name}' has {array.Shape[0]} samples but '{data.Name}' has {_count}");
        if (_count == 0) throw new ArgumentException($"NDArrayIter: '{data.Name}' has no samples");
        BatchSize = batchSize;
        Shuffle = shuffle;
        LastBatchHandle = lastBatchHandle;
        _random = seed is int s ? new Random(s) : new Random();
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }
    /// <summary>How an incomplete last batch is handled.</summary>
    public LastBatch LastBatchHandle { get; }

    /// <summary>The data inputs' names and batch shapes.</summary>
    public IReadOnlyList<DataDesc> ProvideData => Describe(_data);
    /// <summary>The label inputs' names and batch shapes.</summary>
    public IReadOnlyList<DataDesc> ProvideLabel => Describe(_label);

    private IReadOnlyList<DataDesc> Describe((string Name, NDArray Array)[] arrays) =>
        arrays.Select(a => new DataDesc(a.Name, new Shape(new[] { (long)BatchSize }.Concat(a.Array.Shape.Dims.ToArray().Skip(1)).ToArray()),
                                        a.Array.DType)).ToArray();

    /// <summary>The epoch's batches, in order (a new shuffle each epoch).</summary>
    public IEnumerator<DataBatch> GetEnumerator()
    {
        int[] order = Enumerable.Range(0, _count).ToArray();
        if (Shuffle) _random.Shuffle(order);
        int[] samples = _carry.Concat(order).ToArray();
        _carry = System.Array.Empty<int>();
        for (int start = 0; start < samples.Length; start += BatchSize)
        {
            int n = Math.Min(BatchSize, samples.Length - start);
            int pad = 0;
            int[] index = samples.AsSpan(start, n).ToArray();
            if (n < BatchSize)
            {
                if (LastBatchHandle == LastBatch.Discard) yield break;
                if (LastBatchHandle == LastBatch.RollOver)
                {
                    _carry = index;
                    yield break;
                }
                pad = BatchSize - n;  // Pad: wrap around to the epoch's first samples
                index = index.Concat(Enumerable.Range(0, pad).Select(i => samples[i % samples.Length])).ToArray();
            }
            yield return Take(index, pad);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private DataBatch Take(int[] index, int pad)
    {
        using var idx = NDArray.Array(index);
        NDArray Gather(NDArray a) => ND.Take(a, idx, axis: 0);
        return new DataBatch(_data.Select(d => Gather(d.Array)).ToArray(), _label.Select(l => Gather(l.Array)).ToArray(), pad, index);
    }
}
