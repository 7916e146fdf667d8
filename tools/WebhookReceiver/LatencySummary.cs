namespace Jetstream.WebhookReceiver;

/// <summary>
/// End-to-end latency of first deliveries whose body has a <c>time_us</c>: arrival time minus <c>time_us</c>, in
/// milliseconds.
/// </summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max);
