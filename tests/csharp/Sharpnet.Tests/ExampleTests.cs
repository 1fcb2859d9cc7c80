using NUnit.Framework;

namespace Sharpnet.Tests;

// The main job's program (examples/FashionMnist) end to end on a small synthetic IDX dataset in the real file layout:
// it trains, evaluates, writes MXNet checkpoints each epoch and the plot, and learns a task a model must learn.
[NonParallelizable]  // it seeds the process-wide sampler and writes to the console
public class ExampleTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeData()
    {
        _dir = Path.Combine(Path.GetTempPath(), "sharpnet-example-" + Guid.NewGuid().ToString("N"));
        string data = Path.Combine(_dir, "data", "fashion-mnist");
        Directory.CreateDirectory(data);
        Write(data, "train", 1280, seed: 1);
        Write(data, "t10k", 1000, seed: 2);
    }

    [TearDown]
    public void Clean()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // Class k is a bright horizontal band at rows 2k..2k+2 over uint8 noise: learnable in one epoch, not by chance.
    private static void Write(string dir, string prefix, int n, int seed)
    {
        var rng = new Random(seed);
        var images = new byte[n * 28 * 28];
        var labels = new byte[n];
        rng.NextBytes(images);
        for (int i = 0; i < n; i++)
        {
            int k = rng.Next(10);
            labels[i] = (byte)k;
            for (int p = 0; p < 784; p++) images[i * 784 + p] /= 2;  // noise in [0, 127]
            for (int r = 2 * k + 2; r < 2 * k + 5; r++)
                for (int c = 0; c < 28; c++)
                    images[i * 784 + r * 28 + c] = 255;
        }
        using var x = NDArray.Array<byte>(images, (n, 28, 28), DType.UInt8);
        using var y = NDArray.Array<byte>(labels, n, DType.UInt8);
        Sharpnet.IO.Idx.Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), x);
        Sharpnet.IO.Idx.Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), y);
    }

    [TestCase("mlp")]
    [TestCase("lenet")]
    public void TheMainJobTrainsChecksAndCheckpoints(string model)
    {
        string outDir = Path.Combine(_dir, "runs");
        (int code, string log) = Run(new Settings(model, Epochs: 2, BatchSize: 64, Lr: 0.05, Momentum: 0.9, Threads: 0, Seed: 1,
                                                  Data: Path.Combine(_dir, "data"), Out: outDir, CheckEvery: 5));
        Assert.That(code, Is.EqualTo(0), log);
        // The last epoch's test accuracy, as the program prints it.
        Assert.That(TestAccuracy(log.Split('\n').Last(l => l.Contains("test accuracy"))), Is.GreaterThan(0.9), log);
        // MXNet checkpoints for each epoch, named as Module writes them, and the plot.
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            string path = Path.Combine(outDir, $"{model}-{epoch:D4}.params");
            Assert.That(File.Exists(path), path);
            var arrays = NDArray.LoadDict(path);
            try
            {
                Assert.That(arrays.Keys, Has.All.StartWith("arg:").Or.StartWith("aux:"));
                Assert.That(arrays.Keys, Has.Some.EndWith("_weight"));
            }
            finally
            {
                foreach (var a in arrays.Values) a.Dispose();
            }
        }
        Assert.That(new FileInfo(Path.Combine(outDir, $"{model}.png")).Length, Is.GreaterThan(1000));
    }

    private (int Code, string Log) Run(Settings settings)
    {
        var console = new StringWriter();
        TextWriter saved = Console.Out;
        Console.SetOut(console);
        try
        {
            return (Trainer.Run(settings), console.ToString());
        }
        finally
        {
            Console.SetOut(saved);
        }
    }

    private static double TestAccuracy(string line) =>
        double.Parse(line[(line.IndexOf("test accuracy ", StringComparison.Ordinal) + 14)..].Split(' ', ')')[0],
                     System.Globalization.CultureInfo.InvariantCulture);

    [Test]
    public void TrainingResumesFromACheckpoint()
    {
        string outDir = Path.Combine(_dir, "runs");
        Settings first = new("mlp", 1, 64, 0.05, 0.9, 0, 1, Path.Combine(_dir, "data"), outDir, 5);
        (int code, string log) = Run(first);
        Assert.That(code, Is.EqualTo(0), log);
        double after1 = TestAccuracy(log.Split('\n').Last(l => l.Contains("test accuracy")));

        (code, log) = Run(first with { Epochs = 2, LoadEpoch = 1 });
        Assert.That(code, Is.EqualTo(0), log);
        // The loaded network is the saved one: it scores what it scored when saved.
        string resumed = log.Split('\n').Single(l => l.StartsWith("resumed from", StringComparison.Ordinal));
        Assert.That(TestAccuracy(resumed), Is.EqualTo(after1), log);
        Assert.That(log, Does.Not.Contain("epoch 1/2"));
        Assert.That(File.Exists(Path.Combine(outDir, "mlp-0002.params")));

        // A missing checkpoint, an epoch out of range, and a checkpoint of another network are clear errors.
        File.Copy(Path.Combine(outDir, "mlp-0001.params"), Path.Combine(outDir, "lenet-0001.params"));
        var error = new StringWriter();
        TextWriter savedError = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.That(Run(first with { Epochs = 3, LoadEpoch = 2, Out = Path.Combine(_dir, "empty") }).Code, Is.EqualTo(2));
            Assert.That(Run(first with { Epochs = 2, LoadEpoch = 2 }).Code, Is.EqualTo(2));
            Assert.That(Run(first with { Model = "lenet", Epochs = 2, LoadEpoch = 1 }).Code, Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(savedError);
        }
        Assert.That(error.ToString(), Does.Contain("--load-epoch 2: no checkpoint").And.Contain("--load-epoch must be in [0, --epochs)")
                                          .And.Contain("lenet-0001.params: no 'arg:"));
    }

    [Test]
    public void ADivergingRunStopsWithExitCode3()
    {
        var error = new StringWriter();
        TextWriter saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = Run(new Settings("mlp", 1, 64, Lr: 1e6, Momentum: 0.9, 0, 1, Path.Combine(_dir, "data"), Path.Combine(_dir, "runs"), 5)).Code;
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error.ToString(), Does.Contain("diverged at epoch 1, batch 5").And.Contain("try a smaller --lr"));
    }

    [Test]
    public void BadSettingsAndMissingDataAreClearErrors()
    {
        var error = new StringWriter();
        TextWriter saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.That(Trainer.Run(new Settings("resnet", 1, 64, 0.1, 0.9, 0, 1, _dir, _dir, 5)), Is.EqualTo(2));
            Assert.That(Trainer.Run(new Settings("mlp", 0, 64, 0.1, 0.9, 0, 1, _dir, _dir, 5)), Is.EqualTo(2));
            Assert.That(Trainer.Run(new Settings("mlp", 1, 64, 0.1, 0.9, 0, 1, Path.Combine(_dir, "nowhere"), _dir, 5)), Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(error.ToString(), Does.Contain("--model must be mlp or lenet, got 'resnet'")
                                          .And.Contain("must be at least 1").And.Contain("run scripts/fetch-data.sh"));
    }
}
