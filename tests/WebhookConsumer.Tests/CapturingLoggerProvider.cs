using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>Records every log line at every enabled level, with its exception in full (message, inner ones, stack).</summary>
internal sealed class CapturingLoggerProvider(LogCapture capture, string prefix) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(capture, prefix, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string prefix, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Add($"[{prefix} {logLevel} {category}] {formatter(state, exception)} {exception}");
    }
}
