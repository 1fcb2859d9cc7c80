// Trains an MLP (784-256-10) or LeNet with BatchNorm and ReLU on Fashion-MNIST (data/ from scripts/fetch-data.sh)
// with autograd and SGD with momentum over the fused update; prints a live progress line and the test accuracy each
// epoch, saves the parameters in MXNet's .params format and a loss/accuracy plot. Exits non-zero on divergence.
using System.CommandLine;
using System.Diagnostics;
using Sharpnet;
using Sharpnet.Initializers;
using Sharpnet.IO;
using Sharpnet.Metrics;
using Sharpnet.Optimizers;

var model = new Option<string>("--model") { Description = "mlp or lenet (LeNet with BatchNorm and ReLU).", DefaultValueFactory = _ => "lenet" };
var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 10 };
var batchSize = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 64 };
var lr = new Option<double>("--lr") { Description = "SGD learning rate.", DefaultValueFactory = _ => 0.05 };
var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9 };
var threads = new Option<int>("--threads") { Description = "Operator threads (0: the machine's cores).", DefaultValueFactory = _ => 0 };
var seed = new Option<int>("--seed") { Description = "Seed of initialisation and shuffling.", DefaultValueFactory = _ => 1 };
var dataDir = new Option<string>("--data") { Description = "Folder with fashion-mnist/*-ubyte.", DefaultValueFactory = _ => "data" };
var outDir = new Option<string>("--out") { Description = "Folder for parameters and the plot.", DefaultValueFactory = _ => "runs/fashion-mnist" };
var checkEvery = new Option<int>("--check-every") { Description = "Batches between divergence checks.", DefaultValueFactory = _ => 50 };
var loadEpoch = new Option<int>("--load-epoch")
{
    Description = "Resume from <out>/<model>-<epoch>.params (MXNet's --load-epoch) and train on to --epochs.",
    DefaultValueFactory = _ => 0,
};
var root = new RootCommand("Trains a classifier on Fashion-MNIST with Sharpnet.")
{
    model, epochs, batchSize, lr, momentum, threads, seed, dataDir, outDir, checkEvery, loadEpoch,
};
root.SetAction(r => Trainer.Run(new Settings(r.GetValue(model)!, r.GetValue(epochs), r.GetValue(batchSize), r.GetValue(lr),
                                              r.GetValue(momentum), r.GetValue(threads), r.GetValue(seed), r.GetValue(dataDir)!,
                                              r.GetValue(outDir)!, r.GetValue(checkEvery), r.GetValue(loadEpoch))));
return root.Parse(args).Invoke();

internal sealed record Settings(string Model, int Epochs, int BatchSize, double Lr, double Momentum, int Threads, int Seed,
                                string Data, string Out, int CheckEvery, int LoadEpoch = 0);

internal static class Trainer
{
    public static int Run(Settings s)
    {
        if (s.Model is not ("mlp" or "lenet"))
        {
            Console.Error.WriteLine($"--model must be mlp or lenet, got '{s.Model}'");
            return 2;
        }
        if (s.Epochs < 1 || s.BatchSize < 1 || s.CheckEvery < 1)
        {
            Console.Error.WriteLine("--epochs, --batch-size and --check-every must be at least 1");
            return 2;
        }
        if (s.LoadEpoch < 0 || s.LoadEpoch >= s.Epochs)
        {
            Console.Error.WriteLine($"--load-epoch must be in [0, --epochs) (0: start afresh), got {s.LoadEpoch} with --epochs {s.Epochs}");
            return 2;
        }
        string resume = Path.Combine(s.Out, $"{s.Model}-{s.LoadEpoch:D4}.params");
        if (s.LoadEpoch > 0 && !File.Exists(resume))
        {
            Console.Error.WriteLine($"--load-epoch {s.LoadEpoch}: no checkpoint {resume}");
            return 2;
        }
        if (s.Threads > 0) Engine.IntraOpThreads = s.Threads;
        string dir = Path.Combine(s.Data, "fashion-mnist");
        if (!File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")))
        {
            Console.Error.WriteLine($"no Fashion-MNIST files in {dir}/: run scripts/fetch-data.sh (scripts/train.sh does)");
            return 2;
        }
        Directory.CreateDirectory(s.Out);
        using var trainX = Images(Path.Combine(dir, "train-images-idx3-ubyte"));
        using var trainY = Labels(Path.Combine(dir, "train-labels-idx1-ubyte"));
        using var testX = Images(Path.Combine(dir, "t10k-images-idx3-ubyte"));
        using var testY = Labels(Path.Combine(dir, "t10k-labels-idx1-ubyte"));
        Console.WriteLine($"Fashion-MNIST: {trainX.Shape[0]} training and {testX.Shape[0]} test images; model {s.Model}, " +
                          $"{s.Epochs} epochs, batch {s.BatchSize}, SGD lr {s.Lr} momentum {s.Momentum}, " +
                          $"{Engine.IntraOpThreads} threads, seed {s.Seed}");

        NDArray.Random.Seed((ulong)s.Seed);
        using var net = s.Model == "mlp" ? Net.Mlp() : Net.LeNet();
        var init = new Xavier();
        foreach (var (name, p) in net.Params) init.Init(name, p);
        foreach (var (name, a) in net.Aux) init.Init(name, a);
        if (s.LoadEpoch > 0)
        {
            // Momentum restarts from zero: .params holds no optimizer state (MXNet's optional .states is separate).
            try
            {
                net.Load(resume);
            }
            catch (Exception e) when (e is InvalidDataException or SharpnetException)
            {
                Console.Error.WriteLine($"--load-epoch {s.LoadEpoch}: {e.Message}");
                return 2;
            }
            Console.WriteLine($"resumed from {resume}: test accuracy {Evaluate(net, testX, testY):F4}");
        }
        foreach (var (_, p) in net.Params) p.AttachGrad();
        var sgd = new Sgd(learningRate: s.Lr, momentum: s.Momentum, rescaleGrad: 1.0 / s.BatchSize);
        var states = net.Params.Select((p, i) => sgd.CreateState(i, p.Array)).ToArray();

        var train = new NDArrayIter(trainX, trainY, s.BatchSize, shuffle: true, lastBatchHandle: LastBatch.Discard, seed: s.Seed);
        int batches = (int)(trainX.Shape[0] / s.BatchSize);
        var history = new List<(double Loss, double TrainAcc, double TestAcc)>();
        var clock = Stopwatch.StartNew();
        for (int epoch = s.LoadEpoch + 1; epoch <= s.Epochs; epoch++)
        {
            var loss = new CrossEntropy();
            var acc = new Accuracy();
            var epochClock = Stopwatch.StartNew();
            int b = 0;
            foreach (var batch in train)
            {
                using var _ = batch;  // made by the iterator before this step's scope
                using var scope = NDArray.NewScope();
                NDArray probs;
                using (Autograd.Record()) probs = net.Forward(batch.Data[0], batch.Label[0]);
                probs.Backward();
                for (int i = 0; i < net.Params.Count; i++)
                    sgd.Update(i, net.Params[i].Array, net.Params[i].Array.Grad!, states[i]);
                b++;
                bool check = b % s.CheckEvery == 0;  // the divergence check reads the metric: it must have this batch
                if (b % 10 == 0 || b == batches || check)
                {
                    loss.Update(batch.Label[0], probs);
                    acc.Update(batch.Label[0], probs);
                    double rate = b * (double)s.BatchSize / epochClock.Elapsed.TotalSeconds;
                    double eta = ((batches - b) + (s.Epochs - epoch) * (double)batches) * s.BatchSize / rate;
                    Console.Write($"\repoch {epoch}/{s.Epochs} batch {b}/{batches} loss {loss.Get().Value:F4} " +
                                  $"accuracy {acc.Get().Value:F4} {rate:F0} samples/s ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}   ");
                }
                if (check && !(loss.Get().Value < 50))  // NaN, inf or absurd: stop, do not waste the run
                {
                    Console.WriteLine();
                    Console.Error.WriteLine($"diverged at epoch {epoch}, batch {b}: loss {loss.Get().Value}; try a smaller --lr");
                    return 3;
                }
            }
            double testAcc = Evaluate(net, testX, testY);
            history.Add((loss.Get().Value, acc.Get().Value, testAcc));
            Console.WriteLine($"\repoch {epoch}/{s.Epochs}: loss {loss.Get().Value:F4} train accuracy {acc.Get().Value:F4} " +
                              $"test accuracy {testAcc:F4} ({epochClock.Elapsed.TotalSeconds:F1} s, " +
                              $"{batches * s.BatchSize / epochClock.Elapsed.TotalSeconds:F0} samples/s)        ");
            net.Save(Path.Combine(s.Out, $"{s.Model}-{epoch:D4}.params"));
        }
        Plot(history, s.LoadEpoch + 1, Path.Combine(s.Out, $"{s.Model}.png"));
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F0} s; parameters and plot in {s.Out}/");
        foreach (var st in states) st?.Dispose();
        return 0;
    }

    // uint8 (n, 28, 28) -> float32 (n, 1, 28, 28) in [0, 1].
    private static NDArray Images(string path)
    {
        using var raw = Idx.Read(path);
        using var f = ND.Cast(raw, dtype: DType.Float32);
        using var scaled = f / 255f;
        return scaled.Reshape((raw.Shape[0], 1, 28, 28)).Copy();
    }

    private static NDArray Labels(string path)
    {
        using var raw = Idx.Read(path);
        return ND.Cast(raw, dtype: DType.Float32);
    }

    private static double Evaluate(Net net, NDArray x, NDArray y)
    {
        var acc = new Accuracy();
        using (Autograd.Pause(trainMode: false))
        {
            foreach (var batch in new NDArrayIter(x, y, batchSize: 1000, lastBatchHandle: LastBatch.Pad))
            {
                using var _ = batch;
                using var scope = NDArray.NewScope();
                var probs = net.Forward(batch.Data[0], batch.Label[0]);
                acc.Update(batch.Label[0], probs);
            }
        }
        return acc.Get().Value;
    }

    private static void Plot(List<(double Loss, double TrainAcc, double TestAcc)> history, int firstEpoch, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = Enumerable.Range(firstEpoch, history.Count).Select(i => (double)i).ToArray();
        plot.Add.Scatter(xs, history.Select(h => h.Loss).ToArray()).LegendText = "training loss";
        plot.Add.Scatter(xs, history.Select(h => h.TrainAcc).ToArray()).LegendText = "training accuracy";
        plot.Add.Scatter(xs, history.Select(h => h.TestAcc).ToArray()).LegendText = "test accuracy";
        plot.XLabel("epoch");
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, 800, 500);
    }
}

/// <summary>A network's parameters (named as MXNet names them) and forward pass.</summary>
internal sealed class Net : IDisposable
{
    public List<(string Name, NDArray Array)> Params { get; } = new();
    public List<(string Name, NDArray Array)> Aux { get; } = new();
    private Func<Net, NDArray, NDArray, NDArray> _forward = null!;

    private NDArray P(string name, Shape shape)
    {
        var a = NDArray.Zeros(shape);
        Params.Add((name, a));
        return a;
    }
    private NDArray A(string name, Shape shape)
    {
        var a = NDArray.Zeros(shape);
        Aux.Add((name, a));
        return a;
    }

    public NDArray Forward(NDArray x, NDArray label) => _forward(this, x, label);

    public static Net Mlp()
    {
        var n = new Net();
        var w1 = n.P("fullyconnected0_weight", (256, 784));
        var b1 = n.P("fullyconnected0_bias", 256);
        var w2 = n.P("fullyconnected1_weight", (10, 256));
        var b2 = n.P("fullyconnected1_bias", 10);
        n._forward = (_, x, label) =>
        {
            var h = ND.Activation(ND.FullyConnected(x, w1, b1, numHidden: 256), actType: "relu");
            return ND.SoftmaxOutput(ND.FullyConnected(h, w2, b2, numHidden: 10), label);
        };
        return n;
    }

    // d2l's LeNet with BatchNorm after each convolution and hidden dense layer, ReLU and max pooling.
    public static Net LeNet()
    {
        var n = new Net();
        var c1 = n.P("convolution0_weight", (6, 1, 5, 5));
        var c1b = n.P("convolution0_bias", 6);
        var bn1 = n.Bn("batchnorm0", 6);
        var c2 = n.P("convolution1_weight", (16, 6, 5, 5));
        var c2b = n.P("convolution1_bias", 16);
        var bn2 = n.Bn("batchnorm1", 16);
        var f1 = n.P("fullyconnected0_weight", (120, 400));
        var f1b = n.P("fullyconnected0_bias", 120);
        var bn3 = n.Bn("batchnorm2", 120);
        var f2 = n.P("fullyconnected1_weight", (84, 120));
        var f2b = n.P("fullyconnected1_bias", 84);
        var bn4 = n.Bn("batchnorm3", 84);
        var f3 = n.P("fullyconnected2_weight", (10, 84));
        var f3b = n.P("fullyconnected2_bias", 10);
        static NDArray BnRelu(NDArray h, NDArray[] bn) =>
            ND.Activation(ND.BatchNorm(h, bn[0], bn[1], bn[2], bn[3], fixGamma: false), actType: "relu");
        static NDArray Pool(NDArray h) => ND.Pooling(h, kernel: (2, 2), stride: (2, 2), poolType: "max");
        n._forward = (_, x, label) =>
        {
            var h = Pool(BnRelu(ND.Convolution(x, c1, c1b, kernel: (5, 5), pad: (2, 2), numFilter: 6), bn1));
            h = Pool(BnRelu(ND.Convolution(h, c2, c2b, kernel: (5, 5), numFilter: 16), bn2));
            h = BnRelu(ND.FullyConnected(h, f1, f1b, numHidden: 120), bn3);
            h = BnRelu(ND.FullyConnected(h, f2, f2b, numHidden: 84), bn4);
            return ND.SoftmaxOutput(ND.FullyConnected(h, f3, f3b, numHidden: 10), label);
        };
        return n;
    }

    private NDArray[] Bn(string name, long channels) =>
        new[] { P($"{name}_gamma", channels), P($"{name}_beta", channels), A($"{name}_moving_mean", channels), A($"{name}_moving_var", channels) };

    /// <summary>MXNet's checkpoint naming: "arg:" for learned parameters, "aux:" for auxiliary states.</summary>
    // Checkpoint entries as Module names them: arg:<param>, aux:<state>.
    private IEnumerable<(string Key, NDArray Array)> Entries() =>
        Params.Select(p => ($"arg:{p.Name}", p.Array)).Concat(Aux.Select(a => ($"aux:{a.Name}", a.Array)));

    public void Save(string path) => NDArray.Save(path, Entries().ToDictionary(e => e.Key, e => e.Array));

    // Values from a checkpoint written by Save: exactly this network's entries, each with its shape and dtype.
    public void Load(string path)
    {
        var saved = NDArray.LoadDict(path);
        try
        {
            var expected = Entries().ToList();
            string[] extra = saved.Keys.Except(expected.Select(e => e.Key)).ToArray();
            if (extra.Length > 0)
                throw new InvalidDataException($"{path}: holds {string.Join(", ", extra)}, which this network does not have");
            foreach (var (key, a) in expected)
            {
                if (!saved.TryGetValue(key, out NDArray? v))
                    throw new InvalidDataException($"{path}: no '{key}' (it holds {string.Join(", ", saved.Keys)})");
                if (v.Shape != a.Shape || v.DType != a.DType)
                    throw new InvalidDataException($"{path}: '{key}' is {v.DType} {v.Shape}, the network's is {a.DType} {a.Shape}");
                v.CopyTo(a);
            }
        }
        finally
        {
            foreach (var v in saved.Values) v.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var (_, a) in Params.Concat(Aux)) a.Dispose();
    }
}
