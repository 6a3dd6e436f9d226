namespace Mplane.Streams.Engine;

/// <summary>A stream statement that cannot be carried out; the message says why, for the user.</summary>
public sealed class StreamException(string message) : Exception(message);
