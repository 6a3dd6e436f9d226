namespace Mplane.Components.Client;

/// <summary>
/// A peer or the network did not give the client what the protocol promises: no answer, another
/// status or content type than 200 <c>application/x-mplane+json</c>, a message that does not parse, or
/// the wrong kind of message. The reference client drops such answers silently and loses track of the
/// measurement; this one says what came back and from which URL.
/// </summary>
public sealed class MplaneClientException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What the user asked for cannot become a specification of the capability: an unknown or repeated
/// parameter, a value that is not of the element's type or lies outside the constraint, a missing value,
/// or a <c>when</c> that does not follow the capability's. The message names the parameter or the scope.
/// </summary>
public sealed class SpecificationException(string message) : Exception(message);
