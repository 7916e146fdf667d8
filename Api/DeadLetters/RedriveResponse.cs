namespace Jetstream.Api.DeadLetters;

/// <summary>Body of <c>POST /deadletter/redrive</c>: the original's <c>message</c> style plus how many events went back.</summary>
public sealed record RedriveResponse(string Message, int Moved);
