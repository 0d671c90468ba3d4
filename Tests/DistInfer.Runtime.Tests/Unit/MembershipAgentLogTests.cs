using DistInfer.Runtime.Membership;
using DistInfer.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class MembershipAgentLogTests
{
    [Fact]
    public void Failed_RedisUnreachable_OneLineWithoutTheStackTrace()
    {
        // A Redis outage fails every probe and refresh: the testers counted 33 stack traces in 10 s across 3 silos.
        var logger = new ListLogger<MembershipAgentLogTests>();
        // The client's own connection exceptions cannot be built outside it; a timeout is handled as they are.
        var error = new TimeoutException("Timeout performing EVAL, inst: 1, queue: 3");

        MembershipAgentLog.Failed(logger, "refresh", error);

        var (level, message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Equal("Membership refresh failed, Redis unreachable (Timeout performing EVAL, inst: 1, queue: 3); retrying next period", message);
        Assert.Null(Assert.Single(logger.Exceptions));
    }

    [Fact]
    public void Failed_OtherError_KeepsTheException()
    {
        var logger = new ListLogger<MembershipAgentLogTests>();
        var error = new InvalidOperationException("row does not parse");

        MembershipAgentLog.Failed(logger, "vote", error);

        Assert.Equal((LogLevel.Warning, "Membership vote failed; retrying next period"), Assert.Single(logger.Entries));
        Assert.Same(error, Assert.Single(logger.Exceptions));
    }
}
