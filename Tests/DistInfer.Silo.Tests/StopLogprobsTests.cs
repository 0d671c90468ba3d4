using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Logprobs with a stop sequence that starts inside a token (the scripted " right", " to", " publis", "h", …
/// with stop "publish"): the logprobs describe exactly the text sent, whole and per chunk.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class StopLogprobsTests(ModelFixture models) : IAsyncLifetime
{
    private const string Completion = """{"model":"straddle","prompt":"The license grants you the","max_tokens":16,"logprobs":1""";
    private const string Chat = """{"model":"straddle","messages":[{"role":"user","content":"Hi"}],"max_tokens":16,"logprobs":true,"top_logprobs":2""";
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(new ScriptedInferenceService(models.Service.Find("demo")!));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Completions_StopInsideAToken_TokenCutAtTheStopAndLaterTokensLeftOut()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Completion + ""","stop":["publish"]}""");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        var logprobs = choice.GetProperty("logprobs");
        Assert.Equal(" right to ", choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal([" right", " to", " "], Strings(logprobs.GetProperty("tokens")));
        Assert.Equal([0, 6, 9], Ints(logprobs.GetProperty("text_offset")));
        Assert.Equal([.. Enumerable.Range(0, 3).Select(ScriptedInferenceService.StraddleLogprob)], logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()));

        // The cut token keeps its alternatives, itself under its whole text: its cut text is no candidate (it was listed
        // as an extra one).
        var top = logprobs.GetProperty("top_logprobs")[2].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal([" publis", "."], top.Keys);
        Assert.Equal(ScriptedInferenceService.StraddleLogprob(2), top[" publis"]);

        // Every generated token is still counted, "h" included: it was generated before the stop was seen.
        Assert.Equal(ScriptedInferenceService.StraddleIds[..4], Ints(choice.GetProperty("token_ids")));
        Assert.Equal(4, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_StopStartsWithAMultiByteCharacter_ItsFirstBytesTokensLeftOut()
    {
        // "ab é€x" one byte per token, stop "€": its first two bytes complete no character yet but belong to it.
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"bytes","prompt":"x","max_tokens":16,"logprobs":1,"stop":["€"]}""");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("ab é", choice.GetProperty("text").GetString());
        Assert.Equal([0, 1, 2, 3, 3], Ints(choice.GetProperty("logprobs").GetProperty("text_offset")));
    }

    [Fact]
    public async Task Completions_StopInsideATokenStreamed_EachChunksTokensSpellItsTextAtItsOffsets()
    {
        var whole = (await Api.PostAsync(_silo.Client, "/v1/completions", Completion + ""","stop":["publish"]}""")).Body.GetProperty("choices")[0].GetProperty("logprobs");
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", Completion + ""","stop":["publish"],"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var text = "";
        var tokens = new List<string>();
        foreach (var e in events[..^1])
        {
            var choice = JsonDocument.Parse(e).RootElement.GetProperty("choices")[0];
            var logprobs = choice.GetProperty("logprobs");
            var chunkTokens = Strings(logprobs.GetProperty("tokens"));
            var offsets = Ints(logprobs.GetProperty("text_offset"));
            var chunkText = choice.GetProperty("text").GetString()!;
            Assert.Equal(chunkText, string.Concat(chunkTokens));
            for (var i = 0; i < offsets.Length; i++)
            {
                Assert.Equal(text.Length + chunkTokens[..i].Sum(t => t.Length), offsets[i]);
            }

            text += chunkText;
            tokens.AddRange(chunkTokens);
        }

        Assert.Equal(" right to ", text);
        Assert.Equal(Strings(whole.GetProperty("tokens")), tokens);
    }

    [Fact]
    public async Task Completions_FalseStartStreamed_HeldTextAndItsTokensGoOutTogether()
    {
        // "publishing" never comes: " publis" and "h" are held back, then sent with " the" in one chunk.
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", Completion + ""","stop":["publishing"],"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0]).ToList();
        Assert.All(chunks, c => Assert.Equal(c.GetProperty("text").GetString(), string.Concat(Strings(c.GetProperty("logprobs").GetProperty("tokens")))));
        Assert.All(chunks, c => Assert.Equal(c.GetProperty("token_ids").GetArrayLength(), c.GetProperty("logprobs").GetProperty("tokens").GetArrayLength()));
        Assert.Contains(chunks, c => c.GetProperty("text").GetString() == " publish the");
        Assert.Equal(" right to publish the work.", string.Concat(chunks.Select(c => c.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task ChatCompletions_StopInsideAToken_ContentEntriesSpellTheContentWholeAndPerChunk()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Chat + ""","stop":"publish"}""");
        var (streamStatus, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions", Chat + ""","stop":"publish","stream":true}""");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        var content = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(" right to ", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal([" right", " to", " "], content.Select(c => c.GetProperty("token").GetString()));
        Assert.Equal([32], Ints(content[2].GetProperty("bytes")));
        Assert.Equal(ScriptedInferenceService.StraddleLogprob(2), content[2].GetProperty("logprob").GetDouble());
        Assert.Equal([" publis", "."], content[2].GetProperty("top_logprobs").EnumerateArray().Select(a => a.GetProperty("token").GetString()));

        Assert.Equal(HttpStatusCode.OK, streamStatus);
        var streamed = new List<string>();
        foreach (var e in events[..^1])
        {
            var chunk = JsonDocument.Parse(e).RootElement.GetProperty("choices")[0];
            var delta = chunk.GetProperty("delta");
            var text = delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            var entries = chunk.GetProperty("logprobs").ValueKind == JsonValueKind.Null ? [] : chunk.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(x => x.GetProperty("token").GetString()!).ToArray();
            Assert.Equal(text, string.Concat(entries));
            streamed.AddRange(entries);
        }

        Assert.Equal([" right", " to", " "], streamed);
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
