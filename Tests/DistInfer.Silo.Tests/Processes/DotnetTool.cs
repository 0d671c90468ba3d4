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

        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        info.ArgumentList.Add(path);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Runs `distinfer ARGS` to the end; fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> RunCliAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo("distinfer.dll", args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"distinfer {string.Join(' ', args)} ran past 3 minutes");
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"distinfer {string.Join(' ', args)} exited {process.ExitCode}:\n{output}\n{await stderr}");
        return output;
    }
}
