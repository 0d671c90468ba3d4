using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Metrics;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Http;

/// <summary>
/// Runs one prompt: picks the model (deciding a dynamic route), decodes tokens to text incrementally, applies stop
/// sequences, and records the request metrics. Deltas carry text only once it is final (with logprobs, only up to
/// the end of a token, so that a delta's logprobs describe its text).
/// </summary>
internal sealed class GenerationRunner(IInferenceService service, RequestMetrics metrics, TimeProvider time)
{
    public const string OutcomeSmall = "small";
    public const string OutcomeEscalated = "escalated";

    /// <summary>
    /// Starts every choice of a request together: all are admitted or none is (429 or 400 before any work), so a
    /// request is never refused after part of it ran. A dynamic route's choices start on its small model.
    /// </summary>
    public async Task<StartedChoice[]> StartAsync(IReadOnlyList<GenerationJob> jobs, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();

        // All of a request's jobs name the same model or route.
        var model = jobs[0].Model;
        ServedModel? large = null;
        if (jobs[0].Route is { } route)
        {
            model = await service.FindAsync(route.SmallModel, cancellationToken).ConfigureAwait(false) ?? throw NotDeployed(route, route.SmallModel);
            large = await service.FindAsync(route.LargeModel, cancellationToken).ConfigureAwait(false) ?? throw NotDeployed(route, route.LargeModel);
        }

        var choices = new StartedChoice[jobs.Count];
        var sequences = new SequenceRequest[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var small = large is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            choices[i] = new StartedChoice(start, cts, small, model, large);
            sequences[i] = new SequenceRequest(jobs[i].PromptIds, jobs[i].Sampling, choices[i].SequenceToken);
        }

        try
        {
            var streams = await service.StartAsync(model.Name, sequences, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < choices.Length; i++)
            {
                choices[i].Tokens = streams[i].GetAsyncEnumerator(choices[i].SequenceToken);
            }
        }
        catch
        {
            foreach (var choice in choices)
            {
                // Cancelled, not only disposed: a service may admit the sequences after it stopped waiting (the fabric's
                // front does, when this request's token ends the wait first), and a sequence whose token was disposed
                // uncancelled would run to its end for nobody, holding its place in the batcher.
                await choice.Cancellation.CancelAsync().ConfigureAwait(false);
                await choice.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return choices;
    }

    /// <summary>Runs one started choice to its end; it is disposed then.</summary>
    public async IAsyncEnumerable<GenerationDelta> RunAsync(int index, GenerationJob job, StartedChoice choice, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = choice.Started;
        var cts = choice.Cancellation;
        Source source;
        try
        {
            source = job.Route is { } route
                ? await RouteAsync(job, route, choice).ConfigureAwait(false)
                : new Source(choice.Model, [], choice.Tokens!);
        }
        catch
        {
            await choice.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var finished = false;
        try
        {
            var model = source.Model;
            var modelMetrics = metrics.For(model.Name);
            modelMetrics.AddPromptTokens(job.PromptIds.Length);
            var decoder = model.Tokenizer.CreateStreamDecoder();
            var matcher = new StopSequenceMatcher(job.Stops);
            var ids = new List<int>();
            var logprobs = job.Logprobs is not null ? new LogprobCollector(model.Tokenizer) : null;
            var buffered = 0;
            var last = start;
            var first = true;
            while (true)
            {
                TokenEvent ev;
                var fromBuffer = buffered < source.Buffered.Count;
                if (fromBuffer)
                {
                    ev = source.Buffered[buffered++];
                }
                else if (await source.Tokens.MoveNextAsync().ConfigureAwait(false))
                {
                    ev = source.Tokens.Current;
                }
                else
                {
                    // The stream ended without a finish reason: treat it as the length limit.
                    var rest = matcher.Push(decoder.Flush(), out _) + matcher.Flush();
                    metrics.RecordSuccess(model.Name, "length", time.GetElapsedTime(start).TotalSeconds);
                    finished = true;
                    yield return Delta(index, rest, ids, "length", model.Name, logprobs);
                    yield break;
                }

                if (ev.TokenId < 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new OperationCanceledException("generation was cancelled");
                }

                var now = time.GetTimestamp();
                if (first)
                {
                    modelMetrics.TimeToFirstToken.Observe(time.GetElapsedTime(start, now).TotalSeconds);
                    first = false;
                }
                else if (!fromBuffer)
                {
                    // Buffered tokens of a route decision arrive together; their spacing is not the model's.
                    modelMetrics.InterTokenLatency.Observe(time.GetElapsedTime(last, now).TotalSeconds);
                }

                last = now;
                metrics.AddGeneratedTokens(model.Name, 1);
                ids.Add(ev.TokenId);
                var text = decoder.Append(ev.TokenId);
                if (ev.FinishReason is not null)
                {
                    text += decoder.Flush();
                }

                logprobs?.Add(ev, text.Length);

                // As vLLM, stop strings count only after min_tokens tokens: the text of the first ones is final as it is.
                var stopped = false;
                var emit = ev.Index < job.Sampling.MinNewTokens ? text : matcher.Push(text, out stopped);
                string? finish = null;
                if (stopped)
                {
                    // Stop the sequence in the batcher at once; the rest of its tokens are not wanted.
                    await cts.CancelAsync().ConfigureAwait(false);
                    finish = "stop";
                }
                else if (ev.FinishReason is { } reason)
                {
                    emit += matcher.Flush();
                    finish = reason == FinishReason.Stop ? "stop" : "length";
                }

                if (finish is not null)
                {
                    metrics.RecordSuccess(model.Name, finish, time.GetElapsedTime(start).TotalSeconds);
                    finished = true;
                    yield return Delta(index, emit, ids, finish, model.Name, logprobs);
                    yield break;
                }

                if (emit.Length > 0)
                {
                    var delta = Delta(index, emit, ids, null, model.Name, logprobs);
                    if (delta.Text.Length > 0 || delta.TokenIds.Length > 0)
                    {
                        yield return delta;
                    }
                }
            }
        }
        finally
        {
            if (!finished)
            {
                // The caller stopped reading (its connection failed before the request was aborted, say): cancel the
                // generation itself, so the batcher drops the sequence now and everyone sees a cancellation.
                await cts.CancelAsync().ConfigureAwait(false);
            }

            if (!ReferenceEquals(source.Tokens, choice.Tokens))
            {
                await source.Tokens.DisposeAsync().ConfigureAwait(false);
            }

            await choice.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The delta for text the stop matcher released, taking its ids from <paramref name="ids"/>: all of them, unless
    /// logprobs hold back text and tokens until a token is complete. The last delta (a finish reason) has every id
    /// generated, also those of tokens the stop sequence cut from the text.
    /// </summary>
    private static GenerationDelta Delta(int index, string text, List<int> ids, string? finish, string model, LogprobCollector? logprobs)
    {
        if (logprobs is null)
        {
            var plain = new GenerationDelta(index, text, [.. ids], finish, model);
            ids.Clear();
            return plain;
        }

        var release = logprobs.Take(text, finish is not null);
        var count = finish is not null ? ids.Count : release.Tokens;
        var delta = new GenerationDelta(index, release.Text, [.. ids.GetRange(0, count)], finish, model, release.Logprobs);
        ids.RemoveRange(0, count);
        return delta;
    }

    /// <summary>
    /// Judges the mean log-probability of the first K tokens the small model generated: confident enough, the small
    /// model goes on (its K tokens are replayed); otherwise it is cancelled and the large model answers.
    /// </summary>
    private async Task<Source> RouteAsync(GenerationJob job, DynamicRoute route, StartedChoice choice)
    {
        var tokens = choice.Tokens!;
        var buffer = new List<TokenEvent>();
        double sum = 0;
        var counted = 0;
        while (counted < route.Tokens && await tokens.MoveNextAsync().ConfigureAwait(false))
        {
            var ev = tokens.Current;
            buffer.Add(ev);
            if (ev.TokenId >= 0)
            {
                sum += ev.LogProbability;
                counted++;
            }

            if (ev.FinishReason is not null)
            {
                break;
            }
        }

        if (counted > 0 && sum / counted < route.Threshold)
        {
            await choice.SmallCancellation!.CancelAsync().ConfigureAwait(false);
            metrics.RecordRouting(route.Alias, OutcomeEscalated);
            var token = choice.Cancellation.Token;

            // Admitted on its own: the small model's work for this choice is done whatever the large model answers.
            var large = choice.Large!;
            var streams = await service.StartAsync(large.Name, [new SequenceRequest(job.PromptIds, job.Sampling, token)], token).ConfigureAwait(false);
            return new Source(large, [], streams[0].GetAsyncEnumerator(token));
        }

        metrics.RecordRouting(route.Alias, OutcomeSmall);
        return new Source(choice.Model, buffer, tokens);
    }

    private static NoReplicaAvailableException NotDeployed(DynamicRoute route, string model) =>
        new($"model '{model}' of route '{route.Alias}' is not deployed");

    private sealed record Source(ServedModel Model, IReadOnlyList<TokenEvent> Buffered, IAsyncEnumerator<TokenEvent> Tokens);
}
