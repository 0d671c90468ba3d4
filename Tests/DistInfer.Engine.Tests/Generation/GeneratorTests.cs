using DistInfer.Engine.Generation;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tests.Model;

namespace DistInfer.Engine.Tests.Generation;

public sealed class GeneratorTests
{
    // A prompt without token 0, the fixtures' padding id.
    private static readonly int[] Prompt = [175, 196, 25, 502, 67, 211, 407, 103, 348, 185, 398, 23];

    [Fact]
    public void Generate_SameSeed_SameTokens()
    {
        var generator = new Generator(FixtureModels.Load("mixtral"));
        var p = new SamplingParams { Temperature = 1.5f, Seed = 42, MaxNewTokens = 12, MinNewTokens = 12 };

        var a = generator.Generate([Prompt, Prompt[..5]], p);
        var b = generator.Generate([Prompt, Prompt[..5]], p);

        Assert.Equal(a[0].GeneratedIds, b[0].GeneratedIds);
        Assert.Equal(a[1].GeneratedIds, b[1].GeneratedIds);
    }

    [Fact]
    public void Generate_DifferentSeedsHighTemperature_DifferentTokens()
    {
        var generator = new Generator(FixtureModels.Load("qwen3_moe"));
        var p = new SamplingParams { Temperature = 5f, Seed = 1, MaxNewTokens = 12, MinNewTokens = 12 };

        var a = generator.Generate([Prompt], p)[0];
        var b = generator.Generate([Prompt], p with { Seed = 2 })[0];

        Assert.NotEqual(a.GeneratedIds, b.GeneratedIds);
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Generate_TopKOneOrTinyTopP_EqualsGreedy(string name)
    {
        var generator = new Generator(FixtureModels.Load(name));
        var greedy = generator.Generate([Prompt], new SamplingParams { MaxNewTokens = 10, MinNewTokens = 10 })[0];

        var topK = generator.Generate([Prompt], new SamplingParams { Temperature = 2f, TopK = 1, Seed = 7, MaxNewTokens = 10, MinNewTokens = 10 })[0];
        var topP = generator.Generate([Prompt], new SamplingParams { Temperature = 2f, TopP = 1e-6f, Seed = 7, MaxNewTokens = 10, MinNewTokens = 10 })[0];

        Assert.Equal(greedy.GeneratedIds, topK.GeneratedIds);
        Assert.Equal(greedy.GeneratedIds, topP.GeneratedIds);
    }

    [Fact]
    public void Generate_StopToken_EndsWithStop()
    {
        var generator = new Generator(FixtureModels.Load("mixtral"));
        var greedy = generator.Generate([Prompt], SamplingParams.Greedy(12) with { StopTokenIds = [] })[0].GeneratedIds;
        var k = FirstFreshIndex(greedy);

        var result = generator.Generate([Prompt], SamplingParams.Greedy(12) with { StopTokenIds = [greedy[k]] })[0];

        Assert.Equal(FinishReason.Stop, result.FinishReason);
        Assert.Equal(greedy[..(k + 1)], result.GeneratedIds);
        Assert.Equal([.. Prompt, .. greedy[..(k + 1)]], result.AllIds);
    }

    [Fact]
    public void Generate_StopTokenBeforeMinNewTokens_IsSuppressed()
    {
        var generator = new Generator(FixtureModels.Load("mixtral"));
        var greedy = generator.Generate([Prompt], SamplingParams.Greedy(12) with { StopTokenIds = [] })[0].GeneratedIds;
        var k = FirstFreshIndex(greedy);
        var min = k + 2;

        var result = generator.Generate([Prompt], new SamplingParams { MaxNewTokens = 12, MinNewTokens = min, StopTokenIds = [greedy[k]] })[0];

        Assert.True(result.GeneratedIds.Length >= min);
        Assert.DoesNotContain(greedy[k], result.GeneratedIds[..min]);
        Assert.Equal(greedy[..k], result.GeneratedIds[..k]);
        Assert.Equal(result.GeneratedIds[^1] == greedy[k] ? FinishReason.Stop : FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void Generate_ModelEos_IsDefaultStopToken()
    {
        var model = FixtureModels.Load("llama");
        var generator = new Generator(model);
        var greedy = generator.Generate([Prompt], SamplingParams.Greedy(12) with { StopTokenIds = [] })[0];

        var result = generator.Generate([Prompt], SamplingParams.Greedy(12))[0];

        // llama's eos is 2; the greedy continuation decides whether it appears.
        var eos = Array.IndexOf(greedy.GeneratedIds, model.Config.EosTokenIds[0]);
        Assert.Equal(eos < 0 ? greedy.GeneratedIds : greedy.GeneratedIds[..(eos + 1)], result.GeneratedIds);
        Assert.Equal(eos < 0 ? FinishReason.Length : FinishReason.Stop, result.FinishReason);
    }

    [Fact]
    public void Generate_MaxNewTokens_EndsWithLength()
    {
        var generator = new Generator(FixtureModels.Load("olmoe"));

        var results = generator.Generate([Prompt, Prompt[..3]], SamplingParams.Greedy(5) with { StopTokenIds = [] });

        Assert.All(results, r => Assert.Equal(FinishReason.Length, r.FinishReason));
        Assert.All(results, r => Assert.Equal(5, r.GeneratedIds.Length));
    }

    [Fact]
    public void Generate_ZeroMaxNewTokens_NoTokensLength()
    {
        var result = new Generator(FixtureModels.Load("llama")).Generate([Prompt], SamplingParams.Greedy(0))[0];

        Assert.Empty(result.GeneratedIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void Generate_InvalidParams_Throws()
    {
        var generator = new Generator(FixtureModels.Load("llama"));

        Assert.Throws<DistInferException>(() => generator.Generate([Prompt], new SamplingParams { TopP = 2f }));
        Assert.Throws<DistInferException>(() => generator.Generate([Prompt, []], SamplingParams.Greedy(2)));
    }

    [Fact]
    public void Generate_AlreadyCancelled_AllCancelledWithoutTokens()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        var results = new Generator(FixtureModels.Load("llama")).Generate([Prompt, Prompt[..4]], SamplingParams.Greedy(8), cancellationToken: cts.Token);

        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.All(results, r => Assert.Empty(r.GeneratedIds));
    }

    [Fact]
    public void Generate_CancelledAfterFirstToken_StopsWithCancelled()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<(int Sequence, int Token)>();

        var results = new Generator(FixtureModels.Load("qwen2_moe")).Generate([Prompt, Prompt[..4]], SamplingParams.Greedy(8) with { StopTokenIds = [] },
            (s, t) =>
            {
                seen.Add((s, t));
                cts.Cancel();
            },
            cancellationToken: cts.Token);

        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.All(results, r => Assert.Single(r.GeneratedIds));
        Assert.Equal([(0, results[0].GeneratedIds[0]), (1, results[1].GeneratedIds[0])], seen);
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Generate_RaggedBatch_EqualsEachPromptAlone(string name)
    {
        var generator = new Generator(FixtureModels.Load(name));
        var p = SamplingParams.Greedy(10) with { StopTokenIds = [] };
        int[][] prompts = [Prompt, Prompt[3..5], [218, 392, 167, 486, 68, 432, 383], [7]];
        var streamed = prompts.Select(_ => new List<int>()).ToArray();

        var batched = generator.Generate(prompts, p, (s, t) => streamed[s].Add(t));

        for (var s = 0; s < prompts.Length; s++)
        {
            var alone = generator.Generate([prompts[s]], p)[0];
            Assert.Equal(alone.GeneratedIds, batched[s].GeneratedIds);
            Assert.Equal(batched[s].GeneratedIds, streamed[s]);
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Forward_MaskedToken_LastLogitsEqualPromptWithoutIt(string name)
    {
        // transformers semantics: a masked token is invisible to attention and does not advance positions.
        var model = FixtureModels.Load(name);
        int[] masked = [175, 196, 0, 25, 502, 0, 67];
        int[] removed = [175, 196, 25, 502, 67];
        var flags = masked.Select(t => t == 0).ToArray();

        var expected = model.Forward(new BatchLayout([model.CreateCache()], [removed.Length]), removed, allPositions: false);
        var actual = model.Forward(new BatchLayout([model.CreateCache()], [masked.Length], flags), masked, allPositions: false);

        var error = FixtureModels.RelativeError(actual, expected);
        Assert.True(error < 1e-5, $"{name}: relative error {error:E2}");
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Generate_PadTokenInPrompt_EqualsPromptWithoutIt(string name)
    {
        var generator = new Generator(FixtureModels.Load(name));
        var p = SamplingParams.Greedy(8) with { StopTokenIds = [] };
        int[] padded = [0, 0, 175, 196, 0, 25, 502, 67];
        int[] removed = [175, 196, 25, 502, 67];

        var withPad = generator.Generate([padded, Prompt], p, padTokenId: 0);
        var without = generator.Generate([removed], p)[0];

        Assert.Equal(without.GeneratedIds, withPad[0].GeneratedIds);
    }

    /// <summary>The first index k ≥ 1 whose token did not occur before it, so stopping on it stops exactly there.</summary>
    private static int FirstFreshIndex(int[] tokens)
    {
        for (var k = 1; k < tokens.Length; k++)
        {
            if (Array.IndexOf(tokens, tokens[k], 0, k) < 0)
            {
                return k;
            }
        }

        throw new InvalidOperationException("every greedy token repeats the first");
    }
}
