using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Serving;

namespace DistInfer.Engine.Tests.Serving;

/// <summary>
/// What fault recovery relies on: after sequences prefilled and decoded together in one batch, a re-prefill of a
/// sequence's tokens so far into a fresh cache (alone, or with the others) must give the very logits the batched
/// decode gave, bit for bit, so greedy output goes on exactly as it would have (bf16 demo model, default kernels).
/// </summary>
public sealed class RePrefillInvarianceTests
{
    private const int DecodeSteps = 10;

    private static readonly Lazy<TransformerModel> Model = new(() => TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default));

    private static readonly int[][] Prompts =
    [
        [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100],
        [84, 104, 101, 32, 113, 117, 105, 99, 107],
        [49, 50, 51],
        [65, 32, 108, 111, 110, 103, 101, 114, 32, 112, 114, 111, 109, 112, 116, 32, 116, 104, 97, 110, 32, 116, 104, 101, 32, 114, 101, 115, 116],
        [87, 104, 121],
        [68, 111, 32, 110, 111, 116, 32, 112, 97, 110, 105, 99],
    ];

    [Fact]
    public async Task ForwardAsync_RePrefillAloneAfterBatchedDecode_SameLogitsBitForBit()
    {
        var (tokens, logits) = await DecodeTogetherAsync();
        var vocab = Model.Value.Config.VocabSize;
        foreach (var cut in new[] { 1, 4, DecodeSteps })
        {
            for (var s = 0; s < Prompts.Length; s++)
            {
                var fresh = new LocalBatchExecutor(Model.Value);
                var history = Prompts[s].Concat(tokens[s].Take(cut)).ToArray();
                var replayed = await ForwardAsync(fresh, [s], [history]);
                Assert.True(logits[cut].AsSpan(s * vocab, vocab).SequenceEqual(replayed),
                    $"sequence {s}: re-prefill of {history.Length} tokens differs from its decode step {cut}");
            }
        }
    }

    [Fact]
    public async Task ForwardAsync_RePrefillAllTogetherAfterBatchedDecode_SameLogitsBitForBit()
    {
        var (tokens, logits) = await DecodeTogetherAsync();
        const int Cut = 6;
        var fresh = new LocalBatchExecutor(Model.Value);
        var histories = Prompts.Select((p, s) => p.Concat(tokens[s].Take(Cut)).ToArray()).ToArray();
        var replayed = await ForwardAsync(fresh, [.. Enumerable.Range(0, Prompts.Length)], histories);
        Assert.True(logits[Cut].AsSpan().SequenceEqual(replayed), "a re-prefill of every sequence together differs from their batched decode");
    }

    /// <summary>Prefill of every prompt in one step, then batched greedy decode steps: tokens and logits of each step.</summary>
    private static async Task<(int[][] Tokens, float[][] Logits)> DecodeTogetherAsync()
    {
        var executor = new LocalBatchExecutor(Model.Value);
        var ids = Enumerable.Range(0, Prompts.Length).ToArray();
        var tokens = Prompts.Select(_ => new int[DecodeSteps]).ToArray();
        var logits = new float[DecodeSteps + 1][];
        logits[0] = await ForwardAsync(executor, ids, Prompts);
        for (var step = 0; step < DecodeSteps; step++)
        {
            for (var s = 0; s < Prompts.Length; s++)
            {
                tokens[s][step] = ArgMax(logits[step].AsSpan(s * Model.Value.Config.VocabSize, Model.Value.Config.VocabSize));
            }

            logits[step + 1] = await ForwardAsync(executor, ids, [.. tokens.Select(t => new[] { t[step] })]);
        }

        return (tokens, logits);
    }

    private static async Task<float[]> ForwardAsync(LocalBatchExecutor executor, int[] sequences, int[][] chunks)
    {
        var step = new BatchStep([.. sequences.Select(s => (long)s)], [.. chunks.Select(c => c.Length)], [.. chunks.SelectMany(c => c)]);
        var pooled = await executor.ForwardAsync(step, CancellationToken.None);
        var logits = pooled.AsSpan(0, sequences.Length * executor.VocabSize).ToArray();
        executor.Recycle(pooled);
        return logits;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
