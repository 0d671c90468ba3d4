using System.CommandLine;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class SiloCommandLineTests
{
    /// <summary>Orleans' usual pair (11111 and 30000) was refused: the runtime had one listener for silos and clients.</summary>
    [Fact]
    public void Invoke_DifferentSiloAndGatewayPorts_BothReachTheOptions()
    {
        var seen = Options("--silo-port", "23001", "--gateway-port", "23101");

        Assert.Equal(23001, seen.SiloPort);
        Assert.Equal(23101, seen.GatewayPort);
        Assert.Equal(23101, seen.ClientPort);
    }

    /// <summary>--host localhost ended in an unhandled FormatException ("An invalid IP address was specified") and a stack trace.</summary>
    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    public void Invoke_HostNameOrAddress_AnAddressReachesTheOptions(string given, string expected) =>
        Assert.Equal(expected, Options("--host", given).Host);

    [Fact]
    public void Invoke_HostThatDoesNotResolve_OneLineErrorAndExitCodeOne()
    {
        var error = Refusal("--host", "no-such-host.invalid");

        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("--host no-such-host.invalid is not an IP address and does not resolve to one", line);
    }

    [Theory]
    [InlineData(23001, "--silo-port", "23001")]
    [InlineData(23101, "--gateway-port", "23101")]
    [InlineData(23001, "--silo-port", "23001", "--gateway-port", "23001")]
    public void Invoke_OnePortNamed_OneListenerOnIt(int expected, params string[] args)
    {
        var seen = Options(args);

        Assert.Equal(expected, seen.SiloPort);
        Assert.Null(seen.GatewayPort);
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--cors-origin", "https://chat.example", "--cors-origin", "http://localhost:3000" }, "https://chat.example,http://localhost:3000")]
    [InlineData(new[] { "--cors-origin", "none" }, "")]
    public void Invoke_CorsOrigins_ReachTheOptions(string[] args, string? expected) =>
        Assert.Equal(expected, Options(args).CorsOrigins is { } origins ? string.Join(',', origins) : null);

    [Theory]
    [InlineData(new string[0], 0L)]
    [InlineData(new[] { "--model-cache-max-gib", "2" }, 2L << 30)]
    [InlineData(new[] { "--model-cache-max-gib", "0.5" }, 1L << 29)]
    public void Invoke_ModelCacheMaxGib_ReachesTheOptionsInBytes(string[] args, long expected) =>
        Assert.Equal(expected, Options(args).ModelCacheMaxBytes);

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "--stage-max-sequences", "16" }, 16)]
    public void Invoke_StageMaxSequences_ReachesTheOptions(string[] args, int expected) =>
        Assert.Equal(expected, Options(args).StageMaxSequences);

    [Fact]
    public void Invoke_StageMaxSequencesZero_OneLineErrorAndExitCodeOne() =>
        Assert.Contains("--stage-max-sequences must be at least 1", Refusal("--stage-max-sequences", "0"), StringComparison.Ordinal);

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1e-12")]
    public void Invoke_ModelCacheMaxGibNotPositive_OneLineErrorAndExitCodeOne(string value) =>
        Assert.Contains("--model-cache-max-gib must be a positive number of GiB", Refusal("--model-cache-max-gib", value), StringComparison.Ordinal);

    [Fact]
    public void Invoke_CorsOriginNoneWithAnOrigin_OneLineErrorAndExitCodeOne() =>
        Assert.Contains("--cors-origin none turns CORS off", Refusal("--cors-origin", "none", "--cors-origin", "https://chat.example"), StringComparison.Ordinal);

    /// <summary>The options a silo would start with from these arguments (redis clustering); the command must accept them.</summary>
    private static SiloHostOptions Options(params string[] args)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);

        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }));
        return seen!;
    }

    /// <summary>What the command writes to standard error refusing these arguments: exit code 1, and no silo started.</summary>
    private static string Refusal(params string[] args)
    {
        var ran = false;
        var parse = SiloCommandLine.Create(_ =>
        {
            ran = true;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);
        var error = new StringWriter();

        Assert.Equal(1, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error }));
        Assert.False(ran);
        return error.ToString();
    }
}
