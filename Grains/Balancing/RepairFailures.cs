using System.Net.Sockets;
using DistInfer.Runtime;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Grains.Balancing;

/// <summary>Which failures of a repair after a silo death another try can cure.</summary>
internal static class RepairFailures
{
    // As the exception codec names a type it sends.
    private static readonly string[] TransientNames =
    [
        .. new[]
        {
            typeof(SiloUnavailableException), typeof(TimeoutException), typeof(SocketException),
            typeof(MembershipTableUnavailableException), typeof(BalancerInterruptedException), typeof(ReplicaSetConflictException),
        }.Select(ExceptionCodec<Exception>.TypeNameOf),
    ];

    /// <summary>
    /// Whether <paramref name="e"/> (or a cause it wraps) is a lost silo, connection or timeout: right after a
    /// verdict, directories and connections still point at the dead silo for a moment. Anything else (a bad
    /// checkpoint path, a model not deployed, a refused call, a bug) fails the same way on every try.
    /// </summary>
    public static bool IsTransient(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient);
            }

            if (cause is SiloUnavailableException or BalancerInterruptedException or TimeoutException or SocketException
                or MembershipTableUnavailableException or ReplicaSetConflictException)
            {
                return true;
            }

            // A type the caller's silo could not rebuild (a SocketException has no message-only constructor) arrives
            // by name.
            if (cause is RemoteGrainException remote && Array.IndexOf(TransientNames, remote.OriginalTypeName) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
