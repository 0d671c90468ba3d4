using System.Net;
using System.Text.Json;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;
using DistInfer.Silo.Http;
using DistInfer.Silo.Http.Contracts;

namespace DistInfer.Silo.Tests;

/// <summary>
/// logprobs with alternatives: legacy completions' logprobs N and chat's logprobs + top_logprobs, checked against
/// log-softmax of the in-process engine's own logits for the same tokens.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class TopLogprobsTests(ModelFixture models) : IAsyncLifetime
{
    private const double Tolerance = 1e-5;
    private const string ChatRequest = """{"model":"demo","messages":[{"role":"user","content":"Tell me about the license"}],"max_tokens":6,"temperature":0.8,"seed":11,"logprobs":true,"top_logprobs":4""";
    private static readonly Lazy<TransformerModel> Engine = new(() => TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default));
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Completions_LogprobsFive_ValuesAndAlternativesEqualLogSoftmaxOfTheEnginesLogits()
    {
        // Sampled at temperature 0.8: the values are still the model's own distribution, not the tempered one.
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/completions",
            """{"model":"demo","prompt":"The license grants you","max_tokens":8,"temperature":0.8,"seed":5,"logprobs":5}""");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        var ids = choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var logprobs = choice.GetProperty("logprobs");
        var values = logprobs.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var top = logprobs.GetProperty("top_logprobs").EnumerateArray().ToArray();
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var expected = Reference(tokenizer.Encode("The license grants you"), ids);
        Assert.Equal(ids.Length, values.Length);
        Assert.Equal(ids.Length, top.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.InRange(values[i], expected[i][ids[i]] - Tolerance, expected[i][ids[i]] + Tolerance);
            var best = TopIds(expected[i], 5);
            var entries = top[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);
            foreach (var id in best)
            {
                var text = tokenizer.Decode([id], skipSpecialTokens: false);
                Assert.InRange(entries[text], expected[i][id] - Tolerance, expected[i][id] + Tolerance);
            }

            // The five best, plus the sampled token when it is not among them.
            Assert.Equal(best.Contains(ids[i]) ? 5 : 6, entries.Count);
            Assert.Equal(values[i], entries[tokenizer.Decode([ids[i]], skipSpecialTokens: false)]);
        }
    }

    [Fact]
    public async Task ChatCompletions_TopLogprobsFour_ContentMatchesTheEngineSortedWithBytes()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", ChatRequest + "}");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var choice = body.GetProperty("choices")[0];
        var ids = choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var content = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var expected = Reference(ChatPromptIds(), ids);
        Assert.Equal(ids.Length, content.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var entry = content[i];
            Assert.Equal(tokenizer.Decode([ids[i]], skipSpecialTokens: false), entry.GetProperty("token").GetString());
            Assert.Equal(tokenizer.RawBytes(ids[i]).Select(b => (int)b), entry.GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32()));
            var logprob = entry.GetProperty("logprob").GetDouble();
            Assert.InRange(logprob, expected[i][ids[i]] - Tolerance, expected[i][ids[i]] + Tolerance);

            var alternatives = entry.GetProperty("top_logprobs").EnumerateArray().ToArray();
            var best = TopIds(expected[i], 4);
            Assert.Equal(4, alternatives.Length);
            for (var k = 0; k < 4; k++)
            {
                Assert.Equal(tokenizer.Decode([best[k]], skipSpecialTokens: false), alternatives[k].GetProperty("token").GetString());
                Assert.Equal(tokenizer.RawBytes(best[k]).Select(b => (int)b), alternatives[k].GetProperty("bytes").EnumerateArray().Select(b => b.GetInt32()));
                Assert.InRange(alternatives[k].GetProperty("logprob").GetDouble(), expected[i][best[k]] - Tolerance, expected[i][best[k]] + Tolerance);
                if (k > 0)
                {
                    Assert.True(alternatives[k - 1].GetProperty("logprob").GetDouble() >= alternatives[k].GetProperty("logprob").GetDouble());
                }
            }

            if (logprob >= alternatives[^1].GetProperty("logprob").GetDouble())
            {
                Assert.Contains(alternatives, a => a.GetProperty("token").GetString() == entry.GetProperty("token").GetString() && a.GetProperty("logprob").GetDouble() == logprob);
            }
        }
    }

    [Fact]
    public async Task ChatCompletions_TopLogprobsStreamed_ChunksCarryTheirTokensAndMatchTheWholeResponse()
    {
        var whole = (await Api.PostAsync(_silo.Client, "/v1/chat/completions", ChatRequest + "}")).Body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions", ChatRequest + ""","stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var streamed = new List<JsonElement>();
        foreach (var e in events[..^1])
        {
            var choice = JsonDocument.Parse(e).RootElement.GetProperty("choices")[0];
            if (choice.GetProperty("logprobs").ValueKind == JsonValueKind.Null)
            {
                // Only the opening role chunk has no tokens.
                Assert.Equal(0, choice.GetProperty("token_ids").GetArrayLength());
                continue;
            }

            var content = choice.GetProperty("logprobs").GetProperty("content");
            Assert.Equal(choice.GetProperty("token_ids").GetArrayLength(), content.GetArrayLength());
            streamed.AddRange(content.EnumerateArray().Select(c => c.Clone()));
        }

        Assert.Equal(whole.EnumerateArray().Select(c => c.GetRawText()), streamed.Select(c => c.GetRawText()));
    }

    [Fact]
    public async Task ChatCompletions_LogprobsAbsent_LogprobsNull()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions",
            """{"model":"demo","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
    }

    [Fact]
    public async Task ChatCompletions_LogprobsWithoutTop_EntriesWithNoAlternatives()
    {
        var (status, body, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions",
            """{"model":"demo","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"temperature":0,"logprobs":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var content = body.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(3, content.Length);
        Assert.All(content, c => Assert.Equal(0, c.GetProperty("top_logprobs").GetArrayLength()));
        Assert.All(content, c => Assert.InRange(c.GetProperty("logprob").GetDouble(), -50, 0));
    }

    private int[] ChatPromptIds()
    {
        var request = JsonSerializer.Deserialize(ChatRequest + "}", OpenAiJsonContext.Default.ChatCompletionRequest)!;
        var served = models.Service.Find("demo")!;
        return ChatPromptBuilder.Build(request.Messages, new ResolvedModel("demo", served, null, int.MaxValue, served.Config.VocabSize));
    }

    /// <summary>Log-softmax (double) of the engine's logits before each generated token, decoding as the batcher does.</summary>
    private static double[][] Reference(int[] prompt, int[] generated)
    {
        var model = Engine.Value;
        var cache = model.CreateCache(prompt.Length + 64);
        var rows = new double[generated.Length][];
        var logits = model.Forward(new BatchLayout([cache], [prompt.Length]), prompt, allPositions: false);
        for (var i = 0; i < generated.Length; i++)
        {
            rows[i] = LogSoftmax(logits);
            if (i + 1 < generated.Length)
            {
                logits = model.Forward(new BatchLayout([cache], [1]), [generated[i]], allPositions: false);
            }
        }

        return rows;
    }

    private static double[] LogSoftmax(float[] logits)
    {
        var max = logits.Max();
        var sum = logits.Sum(v => Math.Exp(v - max));
        return [.. logits.Select(v => v - max - Math.Log(sum))];
    }

    /// <summary>The k most likely ids, best first, ties by lower id.</summary>
    private static int[] TopIds(double[] row, int k) =>
        [.. Enumerable.Range(0, row.Length).OrderByDescending(i => row[i]).ThenBy(i => i).Take(k)];
}
