using System.Net;
using System.Text.Json;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Silo.Tests;

/// <summary>
/// vLLM's extra sampling parameters (top_k, min_p, repetition_penalty, min_tokens, ignore_eos) reach the sampler;
/// they used to be accepted and ignored.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class VllmSamplingTests(ModelFixture models) : IAsyncLifetime
{
    // Greedy, the demo model answers the end of the MIT license with <|endoftext|> (id 0) at once.
    private const string LicenseEnd = "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\\n";
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Theory]
    [InlineData("\"top_k\":1")]
    [InlineData("\"min_p\":1")]
    public async Task Completions_TopKOneOrMinPOneAtTemperatureTwo_TheGreedyTokens(string field)
    {
        var greedy = await TokensAsync("""{"model":"demo","prompt":"import torch","max_tokens":12,"temperature":0}""");

        var filtered = await TokensAsync($$"""{"model":"demo","prompt":"import torch","max_tokens":12,"temperature":2,"seed":7,{{field}}}""");
        var unfiltered = await TokensAsync("""{"model":"demo","prompt":"import torch","max_tokens":12,"temperature":2,"seed":7}""");

        Assert.Equal(greedy, filtered);
        Assert.NotEqual(greedy, unfiltered);
    }

    [Fact]
    public async Task ChatCompletions_TopKOneAtTemperatureTwo_TheGreedyTokens()
    {
        const string Messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":12";
        var greedy = await TokensAsync($$"""{"model":"demo",{{Messages}},"temperature":0}""", "/v1/chat/completions");

        var filtered = await TokensAsync($$"""{"model":"demo",{{Messages}},"temperature":2,"seed":3,"top_k":1}""", "/v1/chat/completions");

        Assert.Equal(greedy, filtered);
    }

    [Fact]
    public async Task Completions_RepetitionPenalty_TheEnginesPenalisedGreedyTokens()
    {
        // Greedy, "MIT License" goes on with newline after newline; penalised, each token the prompt or output holds
        // is less likely, as transformers' generate penalises it.
        var tokenizer = models.Service.Find("demo")!.Tokenizer;
        var expected = new Generator(TransformerModel.Load(RepoPaths.DemoModel, Gemm.Default))
            .Generate([tokenizer.Encode("MIT License")], new SamplingParams { MaxNewTokens = 12, RepetitionPenalty = 1.5f })[0].GeneratedIds;
        var plain = await TokensAsync("""{"model":"demo","prompt":"MIT License","max_tokens":12,"temperature":0}""");

        var penalised = await TokensAsync("""{"model":"demo","prompt":"MIT License","max_tokens":12,"temperature":0,"repetition_penalty":1.5}""");

        Assert.Equal(expected, penalised);
        Assert.NotEqual(plain, penalised);
    }

    [Fact]
    public async Task Completions_MinTokens_EosHeldBackUntilThatMany()
    {
        var (_, unbounded) = await ChoiceAsync($$"""{"model":"demo","prompt":"{{LicenseEnd}}","max_tokens":8,"temperature":0}""");

        var (ids, choice) = await ChoiceAsync($$"""{"model":"demo","prompt":"{{LicenseEnd}}","max_tokens":8,"temperature":0,"min_tokens":3}""");

        Assert.Equal([0], unbounded.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(ids.Length >= 3, $"{ids.Length} tokens");
        Assert.DoesNotContain(0, ids[..3]);
        Assert.Equal(ids.Length == 8 ? "length" : "stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completions_IgnoreEos_GeneratesThroughEosToMaxTokens()
    {
        var (ids, choice) = await ChoiceAsync($$"""{"model":"demo","prompt":"{{LicenseEnd}}","max_tokens":6,"temperature":0,"ignore_eos":true}""");

        Assert.Equal(6, ids.Length);
        Assert.Equal(0, ids[0]);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completions_MinTokensAndStop_StopStringsCountOnlyAfterMinTokens()
    {
        // Greedy: "MIT License" then two tokens and newlines; a stop at "\n" cuts at the first, unless min_tokens
        // covers it (as vLLM checks stop strings only past min_tokens).
        var all = await TokensAsync("""{"model":"demo","prompt":"MIT License","max_tokens":6,"temperature":0}""");
        var newline = models.Service.Find("demo")!.Tokenizer.Encode("\n").Single();
        var first = Array.IndexOf(all, newline);
        Assert.True(first >= 0 && all[first + 1] == newline, string.Join(",", all));

        var (early, _) = await ChoiceAsync("""{"model":"demo","prompt":"MIT License","max_tokens":6,"temperature":0,"stop":"\n"}""");
        var (late, choice) = await ChoiceAsync($$"""{"model":"demo","prompt":"MIT License","max_tokens":6,"temperature":0,"stop":"\n","min_tokens":{{first + 1}}}""");

        Assert.Equal(first + 1, early.Length);
        Assert.Equal(first + 2, late.Length);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(models.Service.Find("demo")!.Tokenizer.Decode(all[..(first + 1)]), choice.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("\"top_k\":-1")]
    [InlineData("\"top_k\":0")]
    [InlineData("\"min_p\":0")]
    [InlineData("\"repetition_penalty\":1")]
    [InlineData("\"min_tokens\":0,\"ignore_eos\":false")]
    public async Task ChatCompletions_NeutralValues_Accepted(string field)
    {
        var (status, _, _) = await Api.PostAsync(_silo.Client, "/v1/chat/completions", $$"""{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":2,{{field}}}""");

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("/v1/completions", "\"top_k\":-2", "top_k", "top_k must be -1 or 0 (no limit) or a positive number of tokens (got -2)")]
    [InlineData("/v1/chat/completions", "\"top_k\":1.5", "top_k", null)]
    [InlineData("/v1/completions", "\"min_p\":1.5", "min_p", "min_p must be between 0 and 1 (got 1.5)")]
    [InlineData("/v1/chat/completions", "\"min_p\":-0.1", "min_p", null)]
    [InlineData("/v1/completions", "\"repetition_penalty\":0", "repetition_penalty", "repetition_penalty must be greater than 0 (got 0); 1 leaves the logits as they are")]
    [InlineData("/v1/chat/completions", "\"repetition_penalty\":-1", "repetition_penalty", null)]
    [InlineData("/v1/completions", "\"min_tokens\":-1", "min_tokens", "min_tokens must be at least 0 (got -1)")]
    [InlineData("/v1/completions", "\"min_tokens\":3", "min_tokens", "min_tokens must be at most max_tokens (2); got 3")]
    [InlineData("/v1/chat/completions", "\"min_tokens\":5", "min_tokens", null)]
    [InlineData("/v1/chat/completions", "\"ignore_eos\":\"yes\"", "ignore_eos", null)]
    public async Task Generation_OutOfRange_400NamingTheField(string path, string field, string param, string? message)
    {
        var body = path == "/v1/completions"
            ? $$"""{"model":"demo","prompt":"hi","max_tokens":2,{{field}}}"""
            : $$"""{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":2,{{field}}}""";

        var (status, json, _) = await Api.PostAsync(_silo.Client, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Api.AssertError(json);
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }
    }

    /// <summary>stop_token_ids used to be accepted and ignored: generation ran past the named token.</summary>
    [Fact]
    public async Task Completions_StopTokenIds_EndsAtTheFirstOfThemWithFinishReasonStop()
    {
        var greedy = await TokensAsync("""{"model":"demo","prompt":"import torch","max_tokens":12,"temperature":0}""");
        var stopAt = Array.FindIndex(greedy, t => t == greedy[3]);

        var (ids, choice) = await ChoiceAsync($$"""{"model":"demo","prompt":"import torch","max_tokens":12,"temperature":0,"stop_token_ids":[{{greedy[3]}}]}""");

        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(greedy[..stopAt], ids[..stopAt]);
        Assert.True(ids.Length <= stopAt + 1, $"went on past the stop id: {string.Join(",", ids)}");
    }

    private async Task<int[]> TokensAsync(string body, string path = "/v1/completions") => (await ChoiceAsync(body, path)).Ids;

    private async Task<(int[] Ids, JsonElement Choice)> ChoiceAsync(string body, string path = "/v1/completions")
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, path, body);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        var choice = json.GetProperty("choices")[0];
        return ([.. choice.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32())], choice);
    }
}
