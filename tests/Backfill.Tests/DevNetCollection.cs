namespace Jetstream.Backfill.Tests;

[CollectionDefinition(Name)]
public sealed class DevNetCollection : ICollectionFixture<DevNetFixture>
{
    public const string Name = "atproto devnet";
}
