using DistInfer.Engine;

namespace DistInfer.Cli;

/// <summary>Runs a command body; user errors become one line on stderr and exit code 1, never a stack trace.</summary>
internal static class CliRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is DistInferException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"distinfer: {e.Message}");
            return 1;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DistInferException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"distinfer: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
