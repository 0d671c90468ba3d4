namespace DistInfer.Runtime.Membership;

/// <summary>
/// The membership storage could not be reached. Retriable: the same call succeeds once the storage is back.
/// </summary>
public sealed class MembershipTableUnavailableException : Exception
{
    public MembershipTableUnavailableException()
    {
    }

    public MembershipTableUnavailableException(string message)
        : base(message)
    {
    }

    public MembershipTableUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
