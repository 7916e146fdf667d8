namespace Jetstream.Grains.Interfaces.Events;

public static class EventKinds
{
    public const string Commit = "commit";
    public const string Identity = "identity";
    public const string Account = "account";
}
