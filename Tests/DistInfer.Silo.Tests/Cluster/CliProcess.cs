using System.Diagnostics;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>Runs the real `distinfer` program (built through the test project's reference) and captures its output.</summary>
internal static class CliProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
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

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string DllPath { get; } = FindDll();

    private static string FindDll()
    {
        // The configuration this test assembly was built in first, then any.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        foreach (var c in new[] { configuration, "Debug", "Release" })
        {
            var built = Path.Combine(RepoPaths.Root, "Client", "Cli", "bin", c, "net10.0", "distinfer.dll");
            if (File.Exists(built))
            {
                return built;
            }
        }

        throw new FileNotFoundException("distinfer.dll not found under Client/Cli/bin (the test project references the CLI so it builds first)");
    }
}
