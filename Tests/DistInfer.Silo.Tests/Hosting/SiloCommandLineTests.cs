using System.CommandLine;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo.Tests.Hosting;

public sealed class SiloCommandLineTests
{
    /// <summary>Orleans' usual pair (11111 and 30000) was refused: the runtime had one listener for silos and clients.</summary>
    [Fact]
    public void Invoke_DifferentSiloAndGatewayPorts_BothReachTheOptions()
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", "--silo-port", "23001", "--gateway-port", "23101"]);

        var code = parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });

        Assert.Equal(0, code);
        Assert.Equal(23001, seen!.SiloPort);
        Assert.Equal(23101, seen.GatewayPort);
        Assert.Equal(23101, seen.ClientPort);
    }

    /// <summary>--host localhost ended in an unhandled FormatException ("An invalid IP address was specified") and a stack trace.</summary>
    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    public void Invoke_HostNameOrAddress_AnAddressReachesTheOptions(string given, string expected)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", "--host", given]);

        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }));
        Assert.Equal(expected, seen!.Host);
    }

    [Fact]
    public void Invoke_HostThatDoesNotResolve_OneLineErrorAndExitCodeOne()
    {
        var parse = SiloCommandLine.Create(_ => 0).Parse(["--clustering", "redis", "--host", "no-such-host.invalid"]);
        var error = new StringWriter();

        Assert.Equal(1, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error }));
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("--host no-such-host.invalid is not an IP address and does not resolve to one", line);
    }

    [Theory]
    [InlineData(23001, "--silo-port", "23001")]
    [InlineData(23101, "--gateway-port", "23101")]
    [InlineData(23001, "--silo-port", "23001", "--gateway-port", "23001")]
    public void Invoke_OnePortNamed_OneListenerOnIt(int expected, params string[] args)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);

        var code = parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null });

        Assert.Equal(0, code);
        Assert.Equal(expected, seen!.SiloPort);
        Assert.Null(seen.GatewayPort);
    }

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--cors-origin", "https://chat.example", "--cors-origin", "http://localhost:3000" }, "https://chat.example,http://localhost:3000")]
    [InlineData(new[] { "--cors-origin", "none" }, "")]
    public void Invoke_CorsOrigins_ReachTheOptions(string[] args, string? expected)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);

        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }));
        Assert.Equal(expected, seen!.CorsOrigins is { } origins ? string.Join(',', origins) : null);
    }

    [Theory]
    [InlineData(new string[0], 0L)]
    [InlineData(new[] { "--model-cache-max-gib", "2" }, 2L << 30)]
    [InlineData(new[] { "--model-cache-max-gib", "0.5" }, 1L << 29)]
    public void Invoke_ModelCacheMaxGib_ReachesTheOptionsInBytes(string[] args, long expected)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);

        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }));
        Assert.Equal(expected, seen!.ModelCacheMaxBytes);
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "--stage-max-sequences", "16" }, 16)]
    public void Invoke_StageMaxSequences_ReachesTheOptions(string[] args, int expected)
    {
        SiloHostOptions? seen = null;
        var parse = SiloCommandLine.Create(o =>
        {
            seen = o;
            return 0;
        }).Parse(["--clustering", "redis", .. args]);

        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = TextWriter.Null }));
        Assert.Equal(expected, seen!.StageMaxSequences);
    }

    [Fact]
    public void Invoke_StageMaxSequencesZero_OneLineErrorAndExitCodeOne()
    {
        var parse = SiloCommandLine.Create(_ => 0).Parse(["--clustering", "redis", "--stage-max-sequences", "0"]);
        var error = new StringWriter();

        Assert.Equal(1, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error }));
        Assert.Contains("--stage-max-sequences must be at least 1", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1e-12")]
    public void Invoke_ModelCacheMaxGibNotPositive_OneLineErrorAndExitCodeOne(string value)
    {
        var parse = SiloCommandLine.Create(_ => 0).Parse(["--clustering", "redis", "--model-cache-max-gib", value]);
        var error = new StringWriter();

        Assert.Equal(1, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error }));
        Assert.Contains("--model-cache-max-gib must be a positive number of GiB", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_CorsOriginNoneWithAnOrigin_OneLineErrorAndExitCodeOne()
    {
        var ran = false;
        var parse = SiloCommandLine.Create(_ =>
        {
            ran = true;
            return 0;
        }).Parse(["--clustering", "redis", "--cors-origin", "none", "--cors-origin", "https://chat.example"]);
        var error = new StringWriter();

        Assert.Equal(1, parse.Invoke(new InvocationConfiguration { Output = TextWriter.Null, Error = error }));
        Assert.False(ran);
        Assert.Contains("--cors-origin none turns CORS off", error.ToString(), StringComparison.Ordinal);
    }
}
