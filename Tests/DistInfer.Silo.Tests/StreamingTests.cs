using System.Net;
using System.Text;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class StreamingTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Completions_Stream_ChunksConcatenateToNonStreamingGreedyTextAndEndWithDone()
    {
        const string Body = """{"model":"demo","prompt":"Licensed under the Apache License","max_tokens":20,"temperature":0""";
        var (_, whole, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Body + "}");
        var (status, events, contentType) = await Api.StreamAsync(_silo.Client, "/v1/completions", Body + ""","stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/event-stream", contentType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.NotEmpty(chunks);
        var text = new StringBuilder();
        var ids = new List<int>();
        string? finish = null;
        var id = chunks[0].GetProperty("id").GetString();
        foreach (var chunk in chunks)
        {
            Assert.Equal("text_completion", chunk.GetProperty("object").GetString());
            Assert.Equal(id, chunk.GetProperty("id").GetString());
            Assert.Equal(JsonValueKind.Null, chunk.GetProperty("usage").ValueKind);
            var choice = Assert.Single(chunk.GetProperty("choices").EnumerateArray());
            Assert.Null(finish);
            text.Append(choice.GetProperty("text").GetString());
            ids.AddRange(choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()));
            finish = choice.GetProperty("finish_reason").GetString();
        }

        var expected = whole.GetProperty("choices")[0];
        Assert.Equal(expected.GetProperty("text").GetString(), text.ToString());
        Assert.Equal(expected.GetProperty("finish_reason").GetString(), finish);
        Assert.Equal(expected.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()), ids);
        Assert.StartsWith("cmpl-", id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletions_StreamWithUsage_RoleFirstThenContentThenUsageChunkThenDone()
    {
        const string Body = """{"model":"demo","messages":[{"role":"user","content":"Tell me about licenses"}],"max_tokens":12,"temperature":0""";
        var (_, whole, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", Body + "}");
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions", Body + ""","stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.StartsWith("chatcmpl-", c.GetProperty("id").GetString(), StringComparison.Ordinal));
        var first = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("content").GetString());

        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
        var content = new StringBuilder();
        string? finish = null;
        foreach (var chunk in chunks[1..^1])
        {
            var choice = Assert.Single(chunk.GetProperty("choices").EnumerateArray());
            if (choice.GetProperty("delta").TryGetProperty("content", out var c))
            {
                content.Append(c.GetString());
            }

            finish = choice.GetProperty("finish_reason").GetString() ?? finish;
        }

        var expected = whole.GetProperty("choices")[0];
        Assert.Equal(expected.GetProperty("message").GetProperty("content").GetString(), content.ToString());
        Assert.Equal(expected.GetProperty("finish_reason").GetString(), finish);
        Assert.Equal(whole.GetProperty("usage").ToString(), usageChunk.GetProperty("usage").ToString());
    }

    [Fact]
    public async Task Completions_StreamBatch_ChunksCarryEachPromptsIndex()
    {
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":["The license","MIT License"],"max_tokens":4,"temperature":0,"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[DONE]", events[^1]);
        var finishes = events[..^1]
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0])
            .Where(c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
            .Select(c => c.GetProperty("index").GetInt32())
            .Order();
        Assert.Equal([0, 1], finishes);
    }

    [Fact]
    public async Task Completions_StreamStopSequence_NeverEmitsTheStopText()
    {
        var (_, free, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":24,"temperature":0}""");
        var text = free.GetProperty("choices")[0].GetProperty("text").GetString()!;
        var stop = text.Substring(text.Length / 2, 3);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];
        var (_, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", $$"""{"model":"demo","prompt":"The license","max_tokens":24,"temperature":0,"stream":true,"stop":{{JsonSerializer.Serialize(stop)}}}""");

        var streamed = string.Concat(events[..^1].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(expected, streamed);
        Assert.Equal("stop", JsonDocument.Parse(events[^2]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }
}
