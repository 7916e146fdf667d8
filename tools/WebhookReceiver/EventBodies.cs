using System.Text.Json;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// The events of a webhook body: one v1 event JSON, or a batch <c>{"events":[…]}</c> of them (issue 13), each known by
/// its top-level <c>time_us</c>. A backfill's events (<c>"live":false</c>, issue 18) go to <c>backfill</c> when it is
/// given: their <c>time_us</c> is when the Silo read the record, not when an emulator published it. Read with
/// <see cref="Utf8JsonReader"/> and nothing kept, since the benchmark's receiver reads every body it accepts.
/// </summary>
public static class EventBodies
{
    public static List<long> EventTimes(ReadOnlySpan<byte> body, List<long>? backfill = null)
    {
        var times = new List<long>(1);
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                return times;
            }

            if (reader.ValueTextEquals("events"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    reader.Read();
                    AddTime(ref reader, times, backfill);
                }
            }
            else
            {
                AddTime(ref reader, times, backfill);
            }
        }
        catch (JsonException)
        {
        }

        return times;
    }

    /// <summary>Reads an event's properties from the current property name to its end object, keeping its <c>time_us</c>.</summary>
    private static void AddTime(ref Utf8JsonReader reader, List<long> times, List<long>? backfill)
    {
        long? time = null;
        var live = true;
        while (reader.TokenType == JsonTokenType.PropertyName)
        {
            var isTime = reader.ValueTextEquals("time_us"u8);
            var isLive = reader.ValueTextEquals("live"u8);
            reader.Read();
            if (isTime && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                time = value;
            }
            else if (isLive && reader.TokenType == JsonTokenType.False)
            {
                live = false;
            }
            else
            {
                reader.Skip();
            }

            reader.Read();
        }

        if (time is { } t)
        {
            (live || backfill is null ? times : backfill).Add(t);
        }
    }
}
