using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace DistInfer.Silo.Http;

/// <summary>Runs the prompts of a batch request concurrently and merges their deltas; the first failure cancels the rest.</summary>
internal static class GenerationFanIn
{
    public static IAsyncEnumerable<GenerationDelta> RunAsync(GenerationRunner runner, IReadOnlyList<GenerationJob> jobs, CancellationToken cancellationToken) =>
        jobs.Count == 1 ? runner.RunAsync(0, jobs[0], cancellationToken) : MergeAsync(runner, jobs, cancellationToken);

    private static async IAsyncEnumerable<GenerationDelta> MergeAsync(GenerationRunner runner, IReadOnlyList<GenerationJob> jobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
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
                        await foreach (var delta in runner.RunAsync(index, jobs[index], cts.Token).ConfigureAwait(false))
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
