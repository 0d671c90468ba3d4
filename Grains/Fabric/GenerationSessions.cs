using System.Collections.Concurrent;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>
/// Generations started by clients outside the cluster, read back by long polling: each runs into a channel that
/// <see cref="NextAsync"/> drains. Kept per silo (the front grain is a stateless worker on the client's gateway). A
/// client that cancels says so (<see cref="Cancel"/>); one that goes away without a word stops polling, and a sweep
/// cancels sessions nobody polled for <see cref="AbandonAfter"/>, so neither keeps decoding for nobody or holds a
/// channel forever.
/// </summary>
public sealed class GenerationSessions : IDisposable
{
    /// <summary>Much longer than a poll's longest wait (30 s) and a client's pause between polls.</summary>
    public static readonly TimeSpan DefaultAbandonAfter = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, GenerationSession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;
    private readonly GatewayCounters _counters;

    public GenerationSessions(TimeProvider time, GatewayCounters? counters = null)
        : this(time, DefaultAbandonAfter, counters)
    {
    }

    public GenerationSessions(TimeProvider time, TimeSpan abandonAfter, GatewayCounters? counters = null)
    {
        _time = time;
        _counters = counters ?? new GatewayCounters();
        AbandonAfter = abandonAfter;
        var every = abandonAfter / 4;
        _sweep = time.CreateTimer(_ => Sweep(), null, every, every);
    }

    public TimeSpan AbandonAfter { get; }

    /// <summary>Sessions held (running, or finished and not yet read to the end).</summary>
    public int Count => _sessions.Count;

    /// <summary>Starts <paramref name="generate"/> (of <paramref name="model"/>) with the session's cancellation and returns its id.</summary>
    public string Start(string model, Func<CancellationToken, IAsyncEnumerable<TokenEvent>> generate)
    {
        var id = Guid.NewGuid().ToString("N");
        var session = new GenerationSession(_time.GetTimestamp());
        _sessions[id] = session;
        var channel = session.Tokens;
        _ = Task.Run(async () =>
        {
            FinishReason? finish = null;
            try
            {
                await foreach (var token in generate(session.Cancellation.Token).ConfigureAwait(false))
                {
                    channel.Writer.TryWrite(token);
                    _counters.Generated(model, token.TokenId >= 0 ? 1 : 0);
                    finish = token.FinishReason ?? finish;
                }

                channel.Writer.TryComplete();
                _counters.Finished(model, finish is null or FinishReason.Cancelled ? GatewayCounters.Cancelled : finish.Value.ToString().ToLowerInvariant());
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                _counters.Finished(model, session.Cancellation.IsCancellationRequested ? GatewayCounters.Cancelled : GatewayCounters.Failed);
            }
        });
        return id;
    }

    /// <summary>Stops a generation (its client cancelled or left); false when it had finished and was read already.</summary>
    public bool Cancel(string id)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            return false;
        }

        session.Cancellation.Cancel();
        return true;
    }

    public async Task<GenerationChunk> NextAsync(string id, TimeSpan wait)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            throw new GenerationNotFoundException($"no generation '{id}' on this silo (it finished, was cancelled, was not polled for {AbandonAfter.TotalSeconds:0} s, or the client switched gateways)");
        }

        Interlocked.Increment(ref session.Readers);
        try
        {
            return await ReadAsync(id, session, wait).ConfigureAwait(false);
        }
        finally
        {
            session.LastPolled = _time.GetTimestamp();
            Interlocked.Decrement(ref session.Readers);
        }
    }

    private async Task<GenerationChunk> ReadAsync(string id, GenerationSession session, TimeSpan wait)
    {
        var channel = session.Tokens;
        var tokens = new List<int>();
        var logProbabilities = new List<double>();
        var topIds = new List<int>();
        var topValues = new List<double>();
        FinishReason? finish = null;
        void Drain()
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

        // What is there already first: with a zero wait the timeout's token is cancelled at once, and WaitToReadAsync
        // gives up on a cancelled token before it looks, so a zero-wait poll never got a token.
        Drain();
        if (tokens.Count == 0 && finish is null && wait > TimeSpan.Zero)
        {
            using var timeout = new CancellationTokenSource(wait);
            try
            {
                if (await channel.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    Drain();
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Nothing new within the wait: an empty chunk.
            }
        }

        if (finish is not null || channel.Reader.Completion.IsCompleted)
        {
            // Its cancellation source stays undisposed: the batcher may still hold a registration on its token.
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

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (id, session) in _sessions)
        {
            if (Volatile.Read(ref session.Readers) == 0 && _time.GetElapsedTime(session.LastPolled, now) >= AbandonAfter)
            {
                Cancel(id);
            }
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var id in _sessions.Keys)
        {
            Cancel(id);
        }
    }
}
