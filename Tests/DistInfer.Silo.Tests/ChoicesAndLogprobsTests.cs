using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

/// <summary>n choices per prompt (completions and chat) and legacy completions' logprobs.</summary>
[Collection(SiloCollection.Name)]
public sealed class ChoicesAndLogprobsTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static int[] Ids(JsonElement choice) => [.. choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32())];

    private async Task<JsonElement> CompleteAsync(string json)
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", json);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }

    [Fact]
    public async Task Completions_NThreeWithSeed_ChoiceKEqualsASingleRequestWithSeedPlusK()
    {
        var body = await CompleteAsync("""{"model":"demo","prompt":"The license","max_tokens":6,"temperature":1,"seed":40,"n":3}""");

        var choices = body.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        for (var k = 0; k < 3; k++)
        {
            var single = await CompleteAsync($$"""{"model":"demo","prompt":"The license","max_tokens":6,"temperature":1,"seed":{{40 + k}}}""");
            Assert.Equal(Ids(single.GetProperty("choices")[0]), Ids(choices[k]));
        }

        Assert.NotEqual(Ids(choices[0]), Ids(choices[1]));
        var promptTokens = models.Service.Find("demo")!.Tokenizer.Encode("The license").Length;
        Assert.Equal(promptTokens, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(choices.Sum(c => Ids(c).Length), body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_TwoPromptsNTwo_ChoicesOrderedByPromptThenSample()
    {
        var body = await CompleteAsync("""{"model":"demo","prompt":["The license","Copyright (c)"],"max_tokens":5,"temperature":0,"n":2}""");
        var first = await CompleteAsync("""{"model":"demo","prompt":"The license","max_tokens":5,"temperature":0}""");
        var second = await CompleteAsync("""{"model":"demo","prompt":"Copyright (c)","max_tokens":5,"temperature":0}""");

        var choices = body.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal(4, choices.Length);
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(Ids(first.GetProperty("choices")[0]), Ids(choices[0]));
        Assert.Equal(Ids(first.GetProperty("choices")[0]), Ids(choices[1]));
        Assert.Equal(Ids(second.GetProperty("choices")[0]), Ids(choices[2]));
        Assert.Equal(Ids(second.GetProperty("choices")[0]), Ids(choices[3]));
    }

    [Fact]
    public async Task ChatCompletions_NTwoStreamed_EveryChoiceOpensWithTheRoleAndFinishes()
    {
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions",
            """{"model":"demo","messages":[{"role":"user","content":"Hello"}],"max_tokens":4,"temperature":1,"seed":3,"n":2,"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        foreach (var index in new[] { 0, 1 })
        {
            var mine = chunks.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Single(mine, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        }
    }

    [Fact]
    public async Task Completions_LogprobsZero_OneEntryPerTokenThatSpellTheTextWithRunningOffsets()
    {
        var body = await CompleteAsync("""{"model":"demo","prompt":"The license grants you","max_tokens":8,"temperature":0,"logprobs":0}""");

        var choice = body.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var values = logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var top = logprobs.GetProperty("top_logprobs").EnumerateArray().ToArray();
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var ids = Ids(choice);
        Assert.Equal(ids.Length, tokens.Length);
        Assert.Equal(ids.Select(id => tokenizer.Decode([id], skipSpecialTokens: false)), tokens);
        Assert.Equal(choice.GetProperty("text").GetString(), string.Concat(tokens));
        Assert.All(values, v => Assert.InRange(v, -50, 0));
        Assert.Equal(0, offsets[0]);
        for (var i = 1; i < offsets.Length; i++)
        {
            Assert.Equal(offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
        }

        for (var i = 0; i < top.Length; i++)
        {
            var only = Assert.Single(top[i].EnumerateObject());
            Assert.Equal(tokens[i], only.Name);
            Assert.Equal(values[i], only.Value.GetDouble());
        }
    }

    [Fact]
    public async Task Completions_LogprobsStreamed_ChunksCarryTheirTokensAndMatchTheWholeResponse()
    {
        const string Request = """{"model":"demo","prompt":"The license grants you","max_tokens":8,"temperature":0,"logprobs":0""";
        var whole = (await CompleteAsync(Request + "}")).GetProperty("choices")[0].GetProperty("logprobs");
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", Request + ""","stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var values = new List<double>();
        var offsets = new List<int>();
        foreach (var e in events[..^1])
        {
            var choice = JsonDocument.Parse(e).RootElement.GetProperty("choices")[0];
            var logprobs = choice.GetProperty("logprobs");
            Assert.Equal(choice.GetProperty("token_ids").GetArrayLength(), logprobs.GetProperty("tokens").GetArrayLength());
            values.AddRange(logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()));
            offsets.AddRange(logprobs.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()));
        }

        Assert.Equal(whole.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()), values);
        Assert.Equal(whole.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()), offsets);
    }
}
