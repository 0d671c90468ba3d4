namespace DistInfer.Tests.Shared;

/// <summary>Exit code and captured output of one distinfer run.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";

    /// <summary>Success, with stderr shown when it is not.</summary>
    public void AssertSuccess() => Assert.True(ExitCode == 0, ToString());

    /// <summary>A user error: non-zero exit, exactly one "distinfer:" line on stderr, no stack trace.</summary>
    public void AssertUserError(params string[] expectedInMessage)
    {
        Assert.True(ExitCode != 0, ToString());
        Assert.DoesNotContain("   at ", Stderr);
        var line = Assert.Single(StderrLines);
        Assert.StartsWith("distinfer: ", line);
        foreach (var text in expectedInMessage)
        {
            Assert.Contains(text, line);
        }
    }
}
