namespace DistInfer.Runtime.Messaging;

/// <summary>Carried in the method id of control frames.</summary>
public enum ControlCode
{
    /// <summary>
    /// First frame on a connection; the grain key carries the sender's identity, the correlation id its
    /// <see cref="WireProtocol"/> version.
    /// </summary>
    Hello = 1,

    /// <summary>Cancel the request with this correlation id (its CancellationToken argument).</summary>
    Cancel = 2,

    /// <summary>Membership liveness probe; the grain key names the silo (with generation) the prober expects.</summary>
    Ping = 3,

    /// <summary>Answer to <see cref="Ping"/> with the same correlation id.</summary>
    Pong = 4,
}
