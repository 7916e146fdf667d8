namespace Jetstream.Emulator;

internal sealed record PublishResponse(int Published, long FirstTimeUs, long LastTimeUs);

internal sealed record RateResponse(double EventsPerSecond);

internal sealed record DropResponse(int Dropped);

internal sealed record HealthResponse(string Status, int ActiveConnections);
