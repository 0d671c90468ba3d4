using System.ClientModel;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace DistInfer.Silo.Tests;

/// <summary>
/// The official OpenAI .NET library, unchanged, against the silo's HTTP API: chat completions plain, streamed and with
/// log-probabilities, the model list, and OpenAI's error shapes surfacing as the library's own exceptions.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class OpenAiClientTests(ModelFixture models) : IAsyncLifetime
{
    private const string Key = "sk-openai-client";
    private static readonly ChatMessage[] Messages = [new UserChatMessage("Tell me about the license")];
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(models.Service, o => o.ApiKeys.Add(Key));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task CompleteChat_Greedy_SameTextAndUsageAsThePlainHttpApi()
    {
        ChatCompletion completion = await Chat("demo").CompleteChatAsync(Messages, Greedy(8));

        var (status, body, _) = await Api.PostAsync(Authorized(), "/v1/chat/completions",
            """{"model":"demo","messages":[{"role":"user","content":"Tell me about the license"}],"max_tokens":8,"temperature":0}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), completion.Usage.OutputTokenCount);
        Assert.Equal(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), completion.Usage.InputTokenCount);
        Assert.Equal("demo", completion.Model);
    }

    [Fact]
    public async Task CompleteChatStreaming_Greedy_UpdatesJoinToTheNonStreamedText()
    {
        ChatCompletion whole = await Chat("demo").CompleteChatAsync(Messages, Greedy(8));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in Chat("demo").CompleteChatStreamingAsync(Messages, Greedy(8)))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.True(updates > 1, "the stream came as one update");
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
    }

    [Fact]
    public async Task CompleteChat_TopLogprobsThree_OneEntryPerTokenWithThreeSortedAlternatives()
    {
        var options = Greedy(6);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;

        ChatCompletion completion = await Chat("demo").CompleteChatAsync(Messages, options);

        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.True(token.LogProbability <= 0);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 6);
            for (var i = 1; i < token.TopLogProbabilities.Count; i++)
            {
                Assert.True(token.TopLogProbabilities[i].LogProbability <= token.TopLogProbabilities[i - 1].LogProbability);
            }
        }
    }

    [Fact]
    public async Task GetModels_WithKey_ListsTheDeployedModel()
    {
        var models = await Client(Key).GetOpenAIModelClient().GetModelsAsync();

        Assert.Contains(models.Value, m => m.Id == "demo");
    }

    [Fact]
    public async Task CompleteChat_WrongKeyOrUnknownModel_LibraryReports401And404()
    {
        var unauthorized = await Assert.ThrowsAsync<ClientResultException>(() => Client("sk-wrong").GetChatClient("demo").CompleteChatAsync(Messages, Greedy(2)));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => Chat("no-such-model").CompleteChatAsync(Messages, Greedy(2)));

        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(404, unknown.Status);
        Assert.Contains("no-such-model", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteChat_UnsupportedOptionsAtDefaultsPassAndOthersRefused_LibraryReports400()
    {
        var defaults = Greedy(2);
        defaults.PresencePenalty = 0;
        defaults.FrequencyPenalty = 0;
        defaults.ResponseFormat = ChatResponseFormat.CreateTextFormat();
        var json = Greedy(2);
        json.ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat();

        ChatCompletion completion = await Chat("demo").CompleteChatAsync(Messages, defaults);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat("demo").CompleteChatAsync(Messages, json));

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(400, refused.Status);
        Assert.Contains("response_format is not supported", refused.Message, StringComparison.Ordinal);
    }

    private static ChatCompletionOptions Greedy(int tokens) => new() { MaxOutputTokenCount = tokens, Temperature = 0 };

    private ChatClient Chat(string model) => Client(Key).GetChatClient(model);

    private OpenAIClient Client(string key) =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(_silo.BaseAddress, "v1"), NetworkTimeout = TimeSpan.FromMinutes(2) });

    private HttpClient Authorized()
    {
        _silo.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        return _silo.Client;
    }
}
