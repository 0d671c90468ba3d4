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

    /// <summary>Runs `distinfer ARGS` to the end; fails the test with its output when it exits non-zero.</summary>
    public static async Task<string> RunCliAsync(params string[] args)
    {
        var result = await CliProcess.RunAsync(args);
        result.AssertSuccess();
        return result.Stdout;
    }
}
