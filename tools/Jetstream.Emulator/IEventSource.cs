namespace Jetstream.Emulator;

/// <summary>Where the background feed and <c>POST /control/publish</c> take their next event from.</summary>
public interface IEventSource
{
    /// <summary>The next event as UTF-8 JSON; its <c>time_us</c> is replaced when published.</summary>
    byte[] NextUtf8();
}
