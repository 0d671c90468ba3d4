namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>models/demo-moe/reference_generation.json: prompts and greedy outputs produced with transformers.</summary>
public sealed class ReferenceGenerationTests
{
    public static TheoryData<string, string, int[], int[], string> Prompts()
    {
        var data = new TheoryData<string, string, int[], int[], string>();
        foreach (var (name, prompt) in DemoTokenizer.LoadJson("reference_generation.json")["prompts"]!.AsObject())
        {
            data.Add(
                name,
                prompt!["text"]!.GetValue<string>(),
                DemoTokenizer.Ids(prompt["prompt_ids"]!),
                DemoTokenizer.Ids(prompt["greedy_ids"]!),
                prompt["greedy_text"]!.GetValue<string>());
        }

        return data;
    }

    [Fact]
    public void Prompts_ReferenceFile_HasFour()
    {
        Assert.Equal(4, Prompts().Count);
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Encode_Prompt_MatchesPromptIds(string name, string text, int[] promptIds, int[] greedyIds, string greedyText)
    {
        _ = (name, greedyIds, greedyText);
        Assert.Equal(promptIds, DemoTokenizer.Instance.Encode(text));
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Decode_GreedyIds_MatchesGreedyText(string name, string text, int[] promptIds, int[] greedyIds, string greedyText)
    {
        _ = (name, text, promptIds);
        Assert.Equal(greedyText, DemoTokenizer.Instance.Decode(greedyIds));
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void StreamDecode_GreedyIds_MatchesGreedyText(string name, string text, int[] promptIds, int[] greedyIds, string greedyText)
    {
        _ = (name, text, promptIds);
        var stream = DemoTokenizer.Instance.CreateStreamDecoder();
        var output = string.Concat(greedyIds.Select(stream.Append)) + stream.Flush();
        Assert.Equal(greedyText, output);
    }
}
