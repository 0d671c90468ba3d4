using System.Diagnostics;

namespace DistInfer.Engine.Tests.Cli;

/// <summary>Runs the real `distinfer` program (distinfer.dll under the dotnet host) and captures its output.</summary>
internal static class CliProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static string DllPath { get; } = FindDll();

    public static async Task<CliResult> RunAsync(params string[] args)
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

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindDll()
    {
        // The test project references the CLI project, so its output is copied next to the test assembly.
        var beside = Path.Combine(AppContext.BaseDirectory, "distinfer.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        foreach (var configuration in new[] { "Debug", "Release" })
        {
            var built = Path.Combine(RepoPaths.Root, "Client", "Cli", "bin", configuration, "net10.0", "distinfer.dll");
            if (File.Exists(built))
            {
                return built;
            }
        }

        throw new FileNotFoundException($"distinfer.dll not found beside {AppContext.BaseDirectory} or under Client/Cli/bin");
    }
}
