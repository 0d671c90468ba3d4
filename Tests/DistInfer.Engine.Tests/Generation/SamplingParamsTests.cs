using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Tests.Generation;

public sealed class SamplingParamsTests
{
    public static TheoryData<SamplingParams, string> Invalid => new()
    {
        { new SamplingParams { Temperature = -0.5f }, "temperature" },
        { new SamplingParams { Temperature = float.NaN }, "temperature" },
        { new SamplingParams { TopP = 0f }, "top_p" },
        { new SamplingParams { TopP = 1.5f }, "top_p" },
        { new SamplingParams { TopP = float.NaN }, "top_p" },
        { new SamplingParams { TopK = -1 }, "top_k" },
        { new SamplingParams { MaxNewTokens = -1 }, "max_new_tokens" },
        { new SamplingParams { MinNewTokens = -1 }, "min_new_tokens" },
        { new SamplingParams { MaxNewTokens = 4, MinNewTokens = 5 }, "min_new_tokens" },
        { new SamplingParams { MinP = -0.1f }, "min_p" },
        { new SamplingParams { MinP = 1.5f }, "min_p" },
        { new SamplingParams { MinP = float.NaN }, "min_p" },
        { new SamplingParams { RepetitionPenalty = 0f }, "repetition_penalty" },
        { new SamplingParams { RepetitionPenalty = -1f }, "repetition_penalty" },
        { new SamplingParams { RepetitionPenalty = float.NaN }, "repetition_penalty" },
        { new SamplingParams { RepetitionPenalty = float.PositiveInfinity }, "repetition_penalty" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_BadValue_ThrowsNamingIt(SamplingParams parameters, string field)
    {
        var e = Assert.Throws<DistInferException>(parameters.Validate);

        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Validate_Defaults_AreGreedyAndValid()
    {
        var p = new SamplingParams();

        p.Validate();

        Assert.True(p.IsGreedy);
        Assert.Equal(1f, p.TopP);
        Assert.Equal(0, p.TopK);
        Assert.Equal(0f, p.MinP);
        Assert.Equal(1f, p.RepetitionPenalty);
    }

    [Fact]
    public void Validate_Edges_AreAccepted()
    {
        new SamplingParams { Temperature = 0f, TopP = 1f, TopK = 0, MaxNewTokens = 0, MinNewTokens = 0 }.Validate();
        new SamplingParams { Temperature = 5f, TopP = 1e-6f, TopK = 1, MaxNewTokens = 3, MinNewTokens = 3 }.Validate();
        new SamplingParams { MinP = 0f, RepetitionPenalty = 1e-3f }.Validate();
        new SamplingParams { MinP = 1f, RepetitionPenalty = 100f }.Validate();
    }
}
