using System.Diagnostics;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>
/// Runs the product's programs (distinfer-silo.dll, distinfer.dll) under the dotnet host; the test project references
/// both projects, so they are built and copied next to the test assembly.
/// </summary>
internal static class DotnetTool
{
    public static ProcessStartInfo StartInfo(string dll, params string[] args)
    {
        var path = Path.Combine(AppContext.BaseDirectory, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{dll} not found beside the tests in {AppContext.BaseDirectory}", path);
        }

        return CliProcess.StartInfo(path, args);
    }

    /// <summary>Runs `distinfer-silo ARGS` to its exit (a silo that cannot start); a timeout when it runs on.</summary>
    public static Task<CliResult> RunSiloAsync(TimeSpan timeout, params string[] args) => RunSiloAsync(timeout, new Dictionary<string, string>(), args);

    /// <summary>As above, with <paramref name="environment"/> set for the silo process.</summary>
    public static async Task<CliResult> RunSiloAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo("distinfer-silo.dll", args);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"distinfer-silo {string.Join(' ', args)} still ran after {timeout}:\n{await stdout}\n{await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs `distinfer ARGS` to the end; fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> RunCliAsync(params string[] args)
    {
        var result = await CliProcess.RunAsync(args);
        result.AssertSuccess();
        return result.Stdout;
    }
}
