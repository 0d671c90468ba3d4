using DistInfer.Engine.Model;

namespace DistInfer.Engine.Generation;

/// <summary>Receives each token as it is produced: (sequence index, token id).</summary>
public delegate void TokenCallback(int sequence, int token);

/// <summary>
/// In-process batched generation over a whole model: all prompts prefill as one ragged step, then every
/// unfinished sequence decodes one token per step with its KV cache.
/// </summary>
public sealed class Generator(TransformerModel model)
{
    public TransformerModel Model { get; } = model;

    /// <param name="padTokenId">
    /// Prompt tokens equal to this id are padding: masked from attention and skipped by positions, as transformers'
    /// generate does when given pad_token_id. Generated tokens are never masked.
    /// </param>
    public GenerationResult[] Generate(IReadOnlyList<int[]> prompts, SamplingParams parameters, TokenCallback? onToken = null,
        int? padTokenId = null, CancellationToken cancellationToken = default)
    {
        parameters.Validate();
        parameters = parameters.WithStops(Model.Config.EosTokenIds);

        var count = prompts.Count;
        var caches = new SequenceKvCache[count];
        float[]? logits = null; // one buffer for every step: at most one row per sequence
        var samplers = new Sampler[count];
        var generated = new List<int>[count];
        var finish = new FinishReason?[count];
        for (var s = 0; s < count; s++)
        {
            if (prompts[s].Length == 0)
            {
                throw new DistInferException($"prompt {s} is empty");
            }

            caches[s] = Model.CreateCache(prompts[s].Length + parameters.MaxNewTokens);
            samplers[s] = new Sampler(parameters, s, prompts[s]);
            generated[s] = new List<int>(parameters.MaxNewTokens);
            if (parameters.MaxNewTokens == 0)
            {
                finish[s] = FinishReason.Length;
            }
        }

        var active = Enumerable.Range(0, count).Where(s => finish[s] is null).ToList();
        var step = active.Select(s => prompts[s]).ToList();
        var prefill = true;
        while (active.Count > 0)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                foreach (var s in active)
                {
                    finish[s] = FinishReason.Cancelled;
                }

                break;
            }

            var ids = step.SelectMany(t => t).ToArray();
            var mask = prefill && padTokenId is { } pad && ids.Contains(pad) ? Array.ConvertAll(ids, id => id == pad) : null;
            prefill = false;
            var layout = new BatchLayout(active.Select(s => caches[s]).ToArray(), step.Select(t => t.Length).ToArray(), mask);
            var vocab = Model.Config.VocabSize;
            logits ??= new float[(long)count * vocab];
            Model.Forward(layout, ids, allPositions: false, logits.AsSpan());
            var next = new List<int>(active.Count);
            var nextStep = new List<int[]>(active.Count);
            for (var i = 0; i < active.Count; i++)
            {
                var s = active[i];
                var row = logits.AsSpan(i * vocab, vocab);
                var token = samplers[s].Next(row, generated[s].Count < parameters.MinNewTokens);
                generated[s].Add(token);
                onToken?.Invoke(s, token);
                if (parameters.StopTokenIds!.Contains(token) && generated[s].Count >= parameters.MinNewTokens)
                {
                    finish[s] = FinishReason.Stop;
                }
                else if (generated[s].Count >= parameters.MaxNewTokens)
                {
                    finish[s] = FinishReason.Length;
                }
                else
                {
                    next.Add(s);
                    nextStep.Add([token]);
                }
            }

            active = next;
            step = nextStep;
        }

        var results = new GenerationResult[count];
        for (var s = 0; s < count; s++)
        {
            results[s] = new GenerationResult(prompts[s], [.. generated[s]], finish[s] ?? FinishReason.Length);
        }

        return results;
    }
}
