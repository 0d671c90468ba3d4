using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Engine.Tokenization;
using Xunit.Abstractions;

namespace DistInfer.Engine.Tests.Model;

/// <summary>
/// The bundled bf16 demo MoE against transformers' own greedy continuations (reference_generation.json): with its
/// default precision (bf16 emulation) the engine must reproduce at least the first 16 generated tokens.
/// </summary>
public sealed class DemoModelGenerationTests(ITestOutputHelper output)
{
    private const int RequiredTokens = 16;

    private static readonly Lazy<TransformerModel> Model = new(() => TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default));

    public static TheoryData<string> PromptNames()
    {
        var data = new TheoryData<string>();
        foreach (var reference in DemoModelReference.Load())
        {
            data.Add(reference.Name);
        }

        return data;
    }

    [Fact]
    public void Load_DemoModel_DefaultsToBFloat16Emulation()
    {
        Assert.Equal(ActivationPrecision.BFloat16, Model.Value.Precision);
    }

    [Theory]
    [MemberData(nameof(PromptNames))]
    public void Generate_Greedy_MatchesTransformersReferenceForFirst16Tokens(string promptName)
    {
        var reference = DemoModelReference.Load().Single(r => r.Name == promptName);
        var expected = reference.GreedyIds[reference.PromptIds.Length..];

        var generated = GenerateGreedy(reference.PromptIds, expected.Length);

        var matching = MatchingPrefix(generated, expected);
        output.WriteLine($"{promptName}: {matching}/{expected.Length} generated tokens match the reference");
        Assert.True(matching >= RequiredTokens,
            $"{promptName}: only {matching} tokens match; expected {string.Join(',', expected[..RequiredTokens])}, got {string.Join(',', generated[..RequiredTokens])}");
    }

    [Theory]
    [MemberData(nameof(PromptNames))]
    public void Generate_Greedy_DecodedTextStartsReferenceText(string promptName)
    {
        var reference = DemoModelReference.Load().Single(r => r.Name == promptName);
        var tokenizer = BpeTokenizer.FromDirectory(RepoPaths.DemoModel);
        Assert.Equal(reference.PromptIds, tokenizer.Encode(reference.Text));

        var generated = GenerateGreedy(reference.PromptIds, RequiredTokens);

        var text = tokenizer.Decode([.. reference.PromptIds, .. generated]);
        output.WriteLine($"{promptName}: {text}");
        Assert.StartsWith(text, reference.GreedyText, StringComparison.Ordinal);
    }

    private static int[] GenerateGreedy(int[] promptIds, int count)
    {
        var parameters = new SamplingParams { MaxNewTokens = count, MinNewTokens = count };
        return new Generator(Model.Value).Generate([promptIds], parameters)[0].GeneratedIds;
    }

    private static int MatchingPrefix(int[] actual, int[] expected)
    {
        var n = 0;
        while (n < actual.Length && n < expected.Length && actual[n] == expected[n])
        {
            n++;
        }

        return n;
    }
}
