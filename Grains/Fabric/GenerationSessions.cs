using System.Collections.Concurrent;
using System.Threading.Channels;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// Generations started by clients outside the cluster, read back by long polling: each runs into a channel that
/// <see cref="NextAsync"/> drains. Kept per silo (the front grain is a stateless worker on the client's gateway).
/// </summary>
public sealed class GenerationSessions
{
    private readonly ConcurrentDictionary<string, Channel<TokenEvent>> _sessions = new(StringComparer.Ordinal);

    public string Start(IAsyncEnumerable<TokenEvent> tokens)
    {
        var id = Guid.NewGuid().ToString("N");
        var channel = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _sessions[id] = channel;
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var token in tokens.ConfigureAwait(false))
                {
                    channel.Writer.TryWrite(token);
                }

                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        });
        return id;
    }

    public async Task<GenerationChunk> NextAsync(string id, TimeSpan wait)
    {
        if (!_sessions.TryGetValue(id, out var channel))
        {
            throw new InvalidOperationException($"no generation '{id}' on this silo (it finished, or the client switched gateways)");
        }

        var tokens = new List<int>();
        var logProbabilities = new List<double>();
        var topIds = new List<int>();
        var topValues = new List<double>();
        FinishReason? finish = null;
        using (var timeout = new CancellationTokenSource(wait))
        {
            try
            {
                if (await channel.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    while (channel.Reader.TryRead(out var e))
                    {
                        if (e.TokenId >= 0)
                        {
                            tokens.Add(e.TokenId);
                            logProbabilities.Add(e.LogProbability);
                            foreach (var alternative in e.TopLogprobs ?? [])
                            {
                                topIds.Add(alternative.TokenId);
                                topValues.Add(alternative.LogProbability);
                            }
                        }

                        finish = e.FinishReason ?? finish;
                    }
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Nothing new within the wait: an empty chunk.
            }
        }

        if (finish is not null || channel.Reader.Completion.IsCompleted)
        {
            _sessions.TryRemove(id, out _);
            await channel.Reader.Completion.ConfigureAwait(false);
            finish ??= FinishReason.Length;
        }

        return new GenerationChunk
        {
            Tokens = [.. tokens],
            FinishReason = finish?.ToString().ToLowerInvariant(),
            LogProbabilities = [.. logProbabilities],
            TopTokenIds = [.. topIds],
            TopLogProbabilities = [.. topValues],
        };
    }
}
