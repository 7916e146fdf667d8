namespace Jetstream.Api.Tests;

internal static class AdminTokens
{
    public const string Valid = "test-admin-token-0123456789";

    public const string Wrong = "test-admin-token-9876543210";
}
