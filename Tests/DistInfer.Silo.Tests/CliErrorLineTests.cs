using DistInfer.Cli;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Silo.Tests;

/// <summary>The one line the CLI prints for a silo lost under a command.</summary>
public sealed class CliErrorLineTests
{
    [Fact]
    public void OneLine_SiloLost_AdvisesARerunOnceItIsDeclaredDead()
    {
        var line = CliRunner.OneLine(new SiloUnavailableException("Cannot connect to 127.0.0.1:1@1: ConnectionRefused"));

        Assert.StartsWith("Cannot connect to 127.0.0.1:1@1: ConnectionRefused: that silo went away during the command", line, StringComparison.Ordinal);
        Assert.Contains("once `distinfer status` shows the silo Dead", line, StringComparison.Ordinal);
    }

    [Fact]
    public void OneLine_SiloLostWhileMembershipStorageIsDown_KeepsTheSilosAdviceAlone()
    {
        const string Message = "Cannot connect to 127.0.0.1:1@1: ConnectionRefused; the cluster cannot declare that silo dead while its membership "
            + "storage is unreachable (Redis at 127.0.0.1:6399 unavailable): retry once it is back";

        // "declared dead within seconds" does not come true while Redis is down.
        Assert.Equal(Message, CliRunner.OneLine(new SiloUnavailableException(Message)));
    }
}
