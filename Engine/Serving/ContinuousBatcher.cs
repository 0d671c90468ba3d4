using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>
/// Continuous batching: one loop runs ragged steps over the running sequences; new requests join between steps
/// (their prompt prefills in the same step as the others' decode), finished or cancelled ones leave and free their
/// KV cache at once. Tokens stream to each caller as they are produced.
/// </summary>
public sealed partial class ContinuousBatcher : IAsyncDisposable
{
    private readonly IBatchExecutor _executor;
    private readonly BatcherOptions _options;
    private readonly SequenceAdmission _admission;
    private readonly IReadOnlyList<int> _defaultStops;
    private readonly ConcurrentQueue<BatchSequence> _waiting = new();
    private readonly List<BatchSequence> _running = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _idleGate = new();
    private TaskCompletionSource? _idle;
    private bool _ended;
    private Exception? _stopReason;
    // Sequence ids are unique across the cluster: several silos' batchers share the same stage grains.
    private long _nextId = Random.Shared.NextInt64(1, long.MaxValue >> 8) << 7;
    private int _waitingCount;
    private int _runningCount;
    private long _steps;

    public ContinuousBatcher(IBatchExecutor executor, IReadOnlyList<int> defaultStopTokens, BatcherOptions? options = null)
    {
        _executor = executor;
        _defaultStops = defaultStopTokens;
        _options = options ?? new BatcherOptions();
        _admission = new SequenceAdmission(_options);
        _loop = Task.Run(RunAsync);
    }

    public int Running => Volatile.Read(ref _runningCount);
    public int Waiting => Volatile.Read(ref _waitingCount);

    /// <summary>Steps executed so far (observable progress for tests and metrics).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Most sequences held at once, running and waiting: a request of more could never be admitted.</summary>
    public int Capacity => _admission.Capacity;

    /// <summary>Queues a request and streams its tokens; throws <see cref="OverCapacityException"/> when the queue is full.</summary>
    public IAsyncEnumerable<TokenEvent> GenerateAsync(int[] promptIds, SamplingParams parameters, CancellationToken cancellationToken = default) =>
        GenerateAll([new SequenceRequest(promptIds, parameters, cancellationToken)])[0];

    /// <summary>
    /// Queues the sequences of one request (its choices) together and streams each one's tokens: all are admitted or
    /// none is, so a request is never refused after some of its sequences ran. Throws
    /// <see cref="OverCapacityException"/> when they do not fit beside the sequences held now, and
    /// <see cref="TooManySequencesException"/> when they exceed <see cref="Capacity"/>, before queueing any.
    /// </summary>
    public IReadOnlyList<IAsyncEnumerable<TokenEvent>> GenerateAll(IReadOnlyList<SequenceRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var count = 0;
        foreach (var request in requests)
        {
            request.Validate(_executor.VocabSize);

            // As the in-process Generator: nothing to produce, so no prefill (a step would sample a first token).
            count += request.Parameters.MaxNewTokens > 0 ? 1 : 0;
        }

        _admission.Reserve(count);
        var streams = new IAsyncEnumerable<TokenEvent>[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var (promptIds, parameters, cancellationToken) = requests[i];
            if (parameters.MaxNewTokens == 0)
            {
                streams[i] = AsyncEnumerable.Empty<TokenEvent>();
                continue;
            }

            parameters = parameters.WithStops(_defaultStops);
            var sequence = new BatchSequence(Interlocked.Increment(ref _nextId), promptIds, parameters);
            sequence.Registration = cancellationToken.Register(() =>
            {
                sequence.Cancelled = true;
                ReleaseSlot(sequence);
                _signal.Release();
            });
            Interlocked.Increment(ref _waitingCount);
            _waiting.Enqueue(sequence);
            streams[i] = Read(sequence, cancellationToken);
        }

        if (_stop.IsCancellationRequested)
        {
            // Handed a batcher that stopped meanwhile (its front retired it): the loop may be gone, so end them here.
            EndWaiting();
        }

        _signal.Release();
        return streams;
    }

    private static async IAsyncEnumerable<TokenEvent> Read(BatchSequence sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var token in sequence.Output.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            yield return token;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_running.Count == 0 && (_waiting.IsEmpty || _deferred.Count > 0))
            {
                if (_deferred.Count == 0)
                {
                    lock (_idleGate)
                    {
                        _idle?.TrySetResult();
                        _idle = null;
                    }
                }

                try
                {
                    await _signal.WaitAsync(UntilDeferredRetry, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            // Deferred sequences go first: newer requests join only once none waits for room.
            if (!AdmitDeferred())
            {
                Admit();
            }

            DropCancelled();
            if (_running.Count == 0)
            {
                continue;
            }

            await StepAsync().ConfigureAwait(false);
        }

        // Running and still-waiting callers alike learn why, instead of waiting for tokens that never come.
        // Running ones also free their KV caches (the stages may serve on: a redeployment replaced this batcher).
        foreach (var s in _running)
        {
            Finish(s, null, StopReason);
        }

        _running.Clear();
        await ReleasesDoneAsync().ConfigureAwait(false);
        Volatile.Write(ref _runningCount, 0);
        EndDeferred();
        EndWaiting();
        lock (_idleGate)
        {
            _ended = true;
            _idle?.TrySetResult();
        }
    }

    private void Admit()
    {
        var prefillTokens = 0;
        while (_running.Count < _options.MaxRunning && _waiting.TryPeek(out var next))
        {
            if (prefillTokens > 0 && prefillTokens + next.PromptIds.Length > _options.MaxPrefillTokensPerStep)
            {
                break;
            }

            // The one taken, not the one peeked: a stop's EndWaiting on a caller's thread may have taken that one meanwhile
            // (each sequence must end exactly once, or its slot is given back twice and another's never).
            if (!_waiting.TryDequeue(out var taken))
            {
                break;
            }

            Interlocked.Decrement(ref _waitingCount);
            prefillTokens += taken.PromptIds.Length;
            _running.Add(taken);
        }

        Volatile.Write(ref _runningCount, _running.Count);
    }

    private void DropCancelled()
    {
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            if (_running[i].Cancelled)
            {
                Finish(_running[i], FinishReason.Cancelled, null);
                _running.RemoveAt(i);
            }
        }

        Volatile.Write(ref _runningCount, _running.Count);
    }

    private async Task StepAsync()
    {
        var batch = _running.ToArray();
        var ids = new long[batch.Length];
        var counts = new int[batch.Length];
        var tokens = new List<int>();
        for (var s = 0; s < batch.Length; s++)
        {
            ids[s] = batch[s].Id;
            var input = batch[s].NextInput();
            counts[s] = input.Length;
            tokens.AddRange(input);
        }

        float[] logits;
        var deferredAny = false;
        try
        {
            logits = await _executor.ForwardAsync(new BatchStep(ids, counts, [.. tokens]), _stop.Token).ConfigureAwait(false);
        }
        catch (SequencesDeferredException deferred) when (!_stop.IsCancellationRequested)
        {
            // The others ran: their rows are sampled below, the deferred ones (not started any more) skipped.
            logits = Defer(batch, deferred);
            deferredAny = true;
        }
        catch (Exception e)
        {
            // A failed step fails the sequences in it; the loop and the other requests carry on. On shutdown the
            // step is abandoned and its callers told so.
            var reason = _stop.IsCancellationRequested ? StopReason : e;
            foreach (var s in batch)
            {
                Finish(s, null, reason);
                _running.Remove(s);
            }

            return;
        }

        Interlocked.Increment(ref _steps);
        if (!deferredAny)
        {
            NoneDeferred();
        }

        var vocab = _executor.VocabSize;
        for (var i = 0; i < batch.Length; i++)
        {
            var s = batch[i];
            if (s.Cancelled || !s.Started)
            {
                // Cancelled while the step ran: nothing more reaches its caller; the next pass ends it as cancelled.
                // Not started: deferred by this step.
                continue;
            }

            var row = logits.AsSpan(i * vocab, vocab);
            var sampled = s.Sampler.Sample(row, s.Generated < s.Parameters.MinNewTokens);
            var token = sampled.TokenId;
            s.Accept(token);
            var finish = s.Parameters.StopTokenIds!.Contains(token) && s.Generated >= s.Parameters.MinNewTokens
                ? FinishReason.Stop
                : s.Generated >= s.Parameters.MaxNewTokens ? FinishReason.Length : (FinishReason?)null;
            s.Output.Writer.TryWrite(new TokenEvent(token, s.Generated - 1, finish, sampled.LogProbability, sampled.TopLogprobs));
            if (finish is { } reason)
            {
                Finish(s, reason, null);
                _running.Remove(s);
            }
        }

        // Sampled (token events hold their own copies): the executor may fill the array again.
        _executor.Recycle(logits);

        Volatile.Write(ref _runningCount, _running.Count);
    }

    private void ReleaseSlot(BatchSequence s)
    {
        if (s.TryReleaseSlot())
        {
            _admission.Release();
        }
    }
}
