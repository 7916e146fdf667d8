using System.Collections.Concurrent;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>Every line the consumers of one test logged, so a test can search them (for a secret that must not be there).</summary>
internal sealed class LogCapture
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public void Add(string line) => _lines.Enqueue(line);
}
