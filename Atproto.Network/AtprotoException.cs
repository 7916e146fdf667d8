namespace Jetstream.Atproto;

/// <summary>Bad input met while reading AT Protocol data: the message says what was wrong, in terms a user can act on.</summary>
public class AtprotoException(string message, Exception? inner = null) : Exception(message, inner);
