namespace Jetstream.Emulator;

internal sealed record PublishResponse(int Published, long FirstTimeUs, long LastTimeUs);

internal sealed record RateResponse(double EventsPerSecond);

internal sealed record DropResponse(int Dropped);

internal sealed record HealthResponse(string Status, int ActiveConnections);

internal sealed record ConnectionsResponse(IReadOnlyList<EmulatorConnection> Connections);

internal sealed record ConsumerTooSlowResponse(int Signalled);

internal sealed record RetentionResponse(long FloorSeq, long NextSeq, int LoggedEvents, double RetentionSeconds, int MaxLogEvents);

internal sealed record DictionaryResponse(uint CurrentId);
