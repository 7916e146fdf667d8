namespace Jetstream.Api.Tests;

[CollectionDefinition(Name)]
public sealed class ApiClusterCollection : ICollectionFixture<ApiClusterFixture>
{
    public const string Name = "Api cluster";
}
