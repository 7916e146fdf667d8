namespace Jetstream.WebhookReceiver;

/// <summary>How the receiver answers; replace <see cref="WebhookReceiverHost.Behaviour"/> at any time to change it.</summary>
public sealed record ReceiverBehaviour
{
    /// <summary>Answers 200 to every validly signed request.</summary>
    public static readonly ReceiverBehaviour Normal = new();

    /// <summary>Aborts every connection without an answer, as a receiver that is down.</summary>
    public static readonly ReceiverBehaviour Unreachable = new() { Down = true };

    /// <summary>Share of requests (0 to 1) answered 500, chosen at random.</summary>
    public double FailureRate { get; init; }

    /// <summary>Abort every connection without an answer.</summary>
    public bool Down { get; init; }

    /// <summary>Answer every request with this status instead of 200 (for example 500, or 429 with <see cref="RetryAfter"/>).</summary>
    public int? StatusCode { get; init; }

    /// <summary>Sent as <c>Retry-After</c> (whole seconds) with <see cref="StatusCode"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Answer 422 to a request whose body contains this text (a receiver refusing one event, whatever its batch).</summary>
    public string? RefuseBodiesContaining { get; init; }

    /// <summary>Wait this long before answering.</summary>
    public TimeSpan Delay { get; init; }
}
