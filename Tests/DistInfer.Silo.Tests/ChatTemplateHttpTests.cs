using System.Net;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ChatTemplateHttpTests(ModelFixture models)
{
    [Theory]
    [InlineData("{% for message in messages %}{{ '### ' + message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '### assistant: ' }}{% endif %}", "### user: Hello\n### assistant: ")]
    [InlineData("{% set unsupported = true %}", "<|user|>\nHello\n<|assistant|>\n")]
    public async Task ChatCompletions_ModelWithChatTemplate_UsesItWhenSupported(string template, string expectedPrompt)
    {
        await using var silo = await TestSilo.StartAsync(new TemplatedService(models.Service, template));

        var (status, body, _) = await Api.PostAsync(silo.Client, "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"Hello"}],"max_tokens":2,"temperature":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = models.Service.Find("demo")!.Tokenizer.Encode(expectedPrompt).Length;
        Assert.Equal(expected, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    /// <summary>The demo model with a chat template set, generating through the fixture's service.</summary>
    private sealed class TemplatedService(LocalInferenceService inner, string template) : IInferenceService
    {
        public IReadOnlyList<ServedModel> Models { get; } = [inner.Find("demo")! with { ChatTemplate = template }];

        public (int Running, int Waiting) Load => inner.Load;

        public ServedModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

        public ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken) =>
            inner.StartAsync(model, sequences, cancellationToken);
    }
}
