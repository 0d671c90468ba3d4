using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Membership;

internal static partial class MembershipAgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Silo {Silo} joined the cluster as {Status}")]
    public static partial void Joined(ILogger logger, SiloAddress silo, SiloStatus status);

    [LoggerMessage(2, LogLevel.Warning, "Probe of {Target} missed ({Missed} in a row)")]
    public static partial void ProbeMissed(ILogger logger, SiloAddress target, int missed);

    [LoggerMessage(3, LogLevel.Warning, "Silo {Voter} votes {Target} dead ({Votes}/{Needed} live votes)")]
    public static partial void Voted(ILogger logger, SiloAddress voter, SiloAddress target, int votes, int needed);

    [LoggerMessage(4, LogLevel.Warning, "Silo {Voter} declared {Target} dead")]
    public static partial void DeclaredDead(ILogger logger, SiloAddress voter, SiloAddress target);

    [LoggerMessage(5, LogLevel.Error, "Silo {Silo} found itself declared dead in the membership table; stopping")]
    public static partial void SelfDeclaredDead(ILogger logger, SiloAddress silo);

    [LoggerMessage(6, LogLevel.Warning, "Membership {Operation} failed; retrying next period")]
    public static partial void OperationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Membership {Operation} failed, Redis unreachable ({Reason}); retrying next period")]
    public static partial void OperationFailedTransient(ILogger logger, string operation, string reason);

    /// <summary>
    /// A failed membership operation: one line while Redis is unreachable (every probe and refresh fails then, and a
    /// stack trace each buried the log), the whole exception otherwise.
    /// </summary>
    public static void Failed(ILogger logger, string operation, Exception exception)
    {
        if (Redis.RedisConnector.IsTransient(exception))
        {
            OperationFailedTransient(logger, operation, exception.Message);
        }
        else
        {
            OperationFailed(logger, operation, exception);
        }
    }

    [LoggerMessage(7, LogLevel.Debug, "Membership write of {Operation} lost a compare-and-swap race (attempt {Attempt}); re-reading")]
    public static partial void WriteConflict(ILogger logger, string operation, int attempt);

    [LoggerMessage(8, LogLevel.Warning, "Row of silo {Silo} missing from the membership table (table reset?); writing it again")]
    public static partial void RowRestored(ILogger logger, SiloAddress silo);

    [LoggerMessage(9, LogLevel.Information, "Silo {Silo} left the cluster")]
    public static partial void Left(ILogger logger, SiloAddress silo);

    [LoggerMessage(11, LogLevel.Information, "Silo {Silo} was told that {Peer} left the cluster")]
    public static partial void PeerLeft(ILogger logger, SiloAddress silo, SiloAddress peer);
}
