using System.Diagnostics;

namespace DistInfer.Tests.Shared;

/// <summary>
/// Runs the real `distinfer` program (distinfer.dll under the dotnet host) and captures its output. Linked into the
/// test projects, so there is one copy.
/// </summary>
internal static class CliProcess
{
    // Long enough for a deploy plus a bench on a loaded 2-core machine.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static string DllPath { get; } = FindDll();

    /// <summary>`dotnet DLL ARGS` in the repository root, with stdout and stderr redirected.</summary>
    public static ProcessStartInfo StartInfo(string dllPath, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(dllPath);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return start;
    }

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(DllPath, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"distinfer {string.Join(' ', args)} ran past {Timeout}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindDll()
    {
        // The test projects reference the CLI project, so its output is copied next to the test assembly.
        var beside = Path.Combine(AppContext.BaseDirectory, "distinfer.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        // Else the CLI's own output: the configuration this test assembly was built in first, then any.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        foreach (var c in new[] { configuration, "Debug", "Release" })
        {
            var built = Path.Combine(RepoPaths.Root, "Client", "Cli", "bin", c, "net10.0", "distinfer.dll");
            if (File.Exists(built))
            {
                return built;
            }
        }

        throw new FileNotFoundException($"distinfer.dll not found beside {AppContext.BaseDirectory} or under Client/Cli/bin");
    }
}
