using Jetstream.Storage;

namespace Jetstream.Api.DeadLetters;

/// <summary>Body of <c>GET /deadletter</c>: how many events wait, and the first few as a peek (nothing is removed).</summary>
public sealed record DeadLetterResponse(int Count, IReadOnlyList<DeadLetterEntry> Messages);
