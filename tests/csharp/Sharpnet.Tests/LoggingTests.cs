using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Sharpnet.Tests;

[NonParallelizable]  // the native log sink and level are process-wide
public class LoggingTests
{
    private sealed class ListLogger(LogLevel minimum) : ILogger
    {
        public readonly List<(LogLevel Level, string Message)> Entries = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                                Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
        }
    }

    [TearDown]
    public void Restore()
    {
        SharpnetLogging.UseLogger(null);
        SharpnetLogging.MinimumLevel = LogLevel.Warning;
        Engine.IntraOpThreads = 0;
    }

    [Test]
    public void NativeMessagesReachTheLogger()
    {
        var logger = new ListLogger(LogLevel.Information);
        SharpnetLogging.UseLogger(logger);
        Assert.That(SharpnetLogging.MinimumLevel, Is.EqualTo(LogLevel.Information));  // follows the logger
        Engine.IntraOpThreads = 2;
        Assert.That(Engine.IntraOpThreads, Is.EqualTo(2));
        Assert.That(logger.Entries, Does.Contain((LogLevel.Information, "intra-op threads set to 2")));
    }

    [Test]
    public void LevelsBelowTheMinimumAreNotSent()
    {
        var logger = new ListLogger(LogLevel.Information);
        SharpnetLogging.UseLogger(logger);
        SharpnetLogging.MinimumLevel = LogLevel.Error;
        Engine.IntraOpThreads = 1;
        Assert.That(logger.Entries, Is.Empty);
    }

    [Test]
    public void AThrowingLoggerNeverBreaksNativeCode()
    {
        SharpnetLogging.UseLogger(new ThrowingLogger());
        Assert.DoesNotThrow(() => Engine.IntraOpThreads = 1);
        Assert.That(Engine.IntraOpThreads, Is.EqualTo(1));
    }

    [Test]
    public void LoggerFactoryNamesTheCategory()
    {
        var provider = new CapturingProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        SharpnetLogging.UseLoggerFactory(factory);
        Engine.IntraOpThreads = 3;
        Assert.That(provider.Categories, Does.Contain("Sharpnet"));
    }

    private sealed class ThrowingLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                                Func<TState, Exception?, string> formatter) => throw new InvalidOperationException("boom");
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public readonly List<string> Categories = new();
        public ILogger CreateLogger(string categoryName)
        {
            Categories.Add(categoryName);
            return new ListLogger(LogLevel.Trace);
        }
        public void Dispose() { }
    }
}
