using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class CompletionsTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Completions_TextPrompt_ReturnsOpenAiShapeWithUsageAndTokenIds()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":5,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("cmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal("demo", body.GetProperty("model").GetString());
        var created = body.GetProperty("created").GetInt64();
        Assert.InRange(created, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var ids = choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var finish = choice.GetProperty("finish_reason").GetString();
        Assert.Contains(finish, new[] { "stop", "length" });
        var usage = body.GetProperty("usage");
        var promptTokens = models.Service.Find("demo")!.Tokenizer.Encode("The license").Length;
        Assert.Equal(promptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(ids.Length, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(promptTokens + ids.Length, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(models.Service.Find("demo")!.Tokenizer.Decode(ids), choice.GetProperty("text").GetString());
        if (finish == "length")
        {
            Assert.Equal(5, ids.Length);
        }
    }

    [Fact]
    public async Task Completions_NoMaxTokens_DefaultsTo16()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"Permission is hereby granted","temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var choice = body.GetProperty("choices")[0];
        var generated = choice.GetProperty("token_ids").GetArrayLength();
        Assert.True(generated == 16 || choice.GetProperty("finish_reason").GetString() == "stop", $"{generated} tokens");
    }

    [Fact]
    public async Task Completions_TokenIdPromptAndTextPrompt_GiveTheSameGreedyText()
    {
        var ids = models.Service.Find("demo")!.Tokenizer.Encode("Copyright (c)");
        var (_, byText, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"Copyright (c)","max_tokens":6,"temperature":0}""");
        var (status, byIds, _) = await Api.PostAsync(_silo.Client, "/v1/completions", $$"""{"model":"demo","prompt":{{JsonSerializer.Serialize(ids)}},"max_tokens":6,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(byText.GetProperty("choices")[0].GetProperty("text").GetString(), byIds.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(ids.Length, byIds.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_BatchOfTextsAndOfIdLists_OneChoicePerPromptWithIndex()
    {
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var (_, single, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"MIT License","max_tokens":4,"temperature":0}""");
        var (status, batch, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":["The license","MIT License"],"max_tokens":4,"temperature":0}""");
        var idLists = JsonSerializer.Serialize(new[] { tokenizer.Encode("MIT License"), tokenizer.Encode("The") });
        var (idStatus, idBatch, _) = await Api.PostAsync(_silo.Client, "/v1/completions", $$"""{"model":"demo","prompt":{{idLists}},"max_tokens":4,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, idStatus);
        var choices = batch.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(single.GetProperty("choices")[0].GetProperty("text").GetString(), choices[1].GetProperty("text").GetString());
        Assert.Equal(single.GetProperty("choices")[0].GetProperty("text").GetString(), idBatch.GetProperty("choices")[0].GetProperty("text").GetString());
        var expectedPrompt = tokenizer.Encode("The license").Length + tokenizer.Encode("MIT License").Length;
        Assert.Equal(expectedPrompt, batch.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(choices.Sum(c => c.GetProperty("token_ids").GetArrayLength()), batch.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_SameSeed_SameSampledText()
    {
        const string Request = """{"model":"demo","prompt":"The software is provided","max_tokens":12,"temperature":1.0,"top_p":0.95,"seed":1234}""";
        var (_, a, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Request);
        var (_, b, _) = await Api.PostAsync(_silo.Client, "/v1/completions", Request);

        Assert.Equal(
            a.GetProperty("choices")[0].GetProperty("token_ids").ToString(),
            b.GetProperty("choices")[0].GetProperty("token_ids").ToString());
    }

    [Fact]
    public async Task Completions_StopSequence_TrimmedFromOutputWithFinishReasonStop()
    {
        var (_, free, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":24,"temperature":0}""");
        var text = free.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.True(text.Length >= 6, $"need some output to pick a stop sequence from: '{text}'");

        // A stop sequence from the middle of the greedy output: everything before it is returned, nothing after.
        var stop = text.Substring(text.Length / 2, 3);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];
        var body = $$"""{"model":"demo","prompt":"The license","max_tokens":24,"temperature":0,"stop":["zzzz-never",{{JsonSerializer.Serialize(stop)}}]}""";
        var (status, stopped, _) = await Api.PostAsync(_silo.Client, "/v1/completions", body);

        Assert.Equal(HttpStatusCode.OK, status);
        var choice = stopped.GetProperty("choices")[0];
        Assert.Equal(expected, choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Models_List_ShowsServedModels()
    {
        var response = await _silo.Client.GetAsync(new Uri("/v1/models", UriKind.Relative));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("list", body.GetProperty("object").GetString());
        var demo = body.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "demo");
        Assert.Equal("model", demo.GetProperty("object").GetString());
        Assert.Equal("distinfer", demo.GetProperty("owned_by").GetString());
        Assert.True(demo.GetProperty("created").GetInt64() > 0);
    }

    [Fact]
    public async Task Completions_MaxTokensAsWholeFloat_SameAsTheInteger()
    {
        var (_, integer, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":4,"temperature":0}""");
        var (status, whole, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"demo","prompt":"The license","max_tokens":4.0,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(integer.GetProperty("choices")[0].GetProperty("token_ids").GetRawText(), whole.GetProperty("choices")[0].GetProperty("token_ids").GetRawText());
    }
}
