using DistInfer.Engine;

namespace DistInfer.Cli;

/// <summary>Runs a command body; user errors become one line on stderr and exit code 1, never a stack trace.</summary>
internal static class CliRunner
{
    /// <summary>Errors the user can act on: bad input, unreachable cluster, a failure reported by the cluster.</summary>
    private static bool IsUserFacing(Exception e) => e is DistInferException or IOException or UnauthorizedAccessException or ArgumentException
        or TimeoutException or Runtime.Messaging.SiloUnavailableException or Runtime.Messaging.CallRefusedException or Runtime.RemoteGrainException;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"distinfer: {OneLine(e)}");
            return 1;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> body, CancellationToken cancellationToken = default)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            await Console.Error.WriteLineAsync($"distinfer: {OneLine(e)}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: what the cluster was doing for this command has been stopped; 130 as shells report SIGINT.
            await Console.Error.WriteLineAsync("distinfer: cancelled").ConfigureAwait(false);
            return Cancelled;
        }
    }

    /// <summary>Exit status of a command stopped by Ctrl+C.</summary>
    public const int Cancelled = 130;

    /// <summary>The message on one line; a remote error's "Type, Assembly: " prefix is dropped.</summary>
    internal static string OneLine(Exception e)
    {
        var message = e.Message.ReplaceLineEndings(" ");
        if (e is Runtime.Messaging.SiloUnavailableException)
        {
            // The runtime's "Cannot connect to ADDRESS: ConnectionRefused" alone left the operator guessing; when the
            // gateway silo said why the lost one cannot be declared dead (Redis down), its advice is the one that holds.
            return Runtime.Messaging.SiloUnavailableException.IsWhileStorageDown(e) ? message
                : $"{message}: that silo went away during the command, it may have died. What the command did may be partial: "
                    + "run it again once `distinfer status` shows the silo Dead (a killed silo is declared dead within seconds)";
        }

        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return e is Runtime.RemoteGrainException && colon > 0 && message[..colon].Contains(", ", StringComparison.Ordinal) ? message[(colon + 2)..] : message;
    }
}
