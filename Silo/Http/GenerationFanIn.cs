using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DistInfer.Silo.Http;

/// <summary>
/// Runs the choices of a request concurrently and merges their deltas; the first failure cancels the rest. The
/// choices are admitted together before any runs (<see cref="GenerationRunner.StartAsync"/>).
/// </summary>
internal static class GenerationFanIn
{
    public static async IAsyncEnumerable<GenerationDelta> RunAsync(GenerationRunner runner, IReadOnlyList<GenerationJob> jobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var choices = await runner.StartAsync(jobs, cts.Token).ConfigureAwait(false);
        var deltas = choices.Length == 1 ? runner.RunAsync(0, jobs[0], choices[0], cts.Token) : MergeAsync(runner, jobs, choices, cts, cancellationToken);
        await foreach (var delta in deltas.ConfigureAwait(false))
        {
            yield return delta;
        }
    }

    private static async IAsyncEnumerable<GenerationDelta> MergeAsync(GenerationRunner runner, IReadOnlyList<GenerationJob> jobs, StartedChoice[] choices, CancellationTokenSource cts, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<GenerationDelta>(new UnboundedChannelOptions { SingleReader = true });
        var tasks = new Task[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var index = i;
            tasks[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        await foreach (var delta in runner.RunAsync(index, jobs[index], choices[index], cts.Token).ConfigureAwait(false))
                        {
                            await channel.Writer.WriteAsync(delta, cts.Token).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e)
                    {
                        channel.Writer.TryComplete(e);
                        await cts.CancelAsync().ConfigureAwait(false);
                    }
                },
                CancellationToken.None);
        }

        _ = Task.WhenAll(tasks).ContinueWith(_ => channel.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var delta in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return delta;
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
    }
}
