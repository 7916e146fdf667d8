namespace Jetstream.Atproto.Crypto;

/// <summary>A key that cannot be read: wrong encoding, unknown curve or multicodec, or a point not on the curve.</summary>
public sealed class InvalidKeyException(string message, Exception? inner = null) : AtprotoException(message, inner);
