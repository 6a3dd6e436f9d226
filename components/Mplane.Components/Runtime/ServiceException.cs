namespace Mplane.Components.Runtime;

/// <summary>
/// A service's refusal whose message is written for the requester (an unknown view, a bad filter, a
/// result over the limit): the runtime sends it in the mPlane exception. Any other exception is
/// reported to the peer by its type only, its details staying in the log.
/// </summary>
public sealed class ServiceException(string message) : Exception(message);
