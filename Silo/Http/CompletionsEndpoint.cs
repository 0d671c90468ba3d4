using DistInfer.Silo.Http.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace DistInfer.Silo.Http;

/// <summary>POST /v1/completions and POST /v1/chat/completions.</summary>
internal sealed class CompletionsEndpoint(ModelResolver resolver, GenerationRunner runner, ResponseWriter writer, TimeProvider time, IOptions<HttpApiOptions> options)
{
    private const int DefaultCompletionTokens = 16;

    public async Task CompletionsAsync(HttpContext context)
    {
        var request = await RequestBodyReader.ReadAsync(context, OpenAiJsonContext.Default.CompletionRequest, options.Value.MaxRequestBodyBytes).ConfigureAwait(false);
        var model = await resolver.ResolveAsync(request.Model, context.RequestAborted).ConfigureAwait(false);
        var n = RequestValidation.N(request.N);
        UnsupportedParameters.Check(request, n);
        var includeUsage = RequestValidation.IncludeUsage(request.Stream, request.StreamOptions);
        var logprobs = RequestValidation.Logprobs(request.Logprobs);
        var prompts = PromptParser.Parse(request.Prompt, model);
        var maxTokens = RequestValidation.MaxTokens(request.MaxTokens, "max_tokens", DefaultCompletionTokens);
        var sampling = SamplingValidation.Read(request, maxTokens, "max_tokens", request.MaxTokens is not null) with { TopLogprobs = logprobs ?? 0 };
        var stops = RequestValidation.Stops(request.Stop);
        // Choice index = prompt index * n + k, as OpenAI orders them; a prompt counts once in the usage.
        var jobs = new List<GenerationJob>(prompts.Count * n);
        var promptTokens = 0;
        foreach (var ids in prompts)
        {
            RequestValidation.CheckContext(model, ids.Length, maxTokens, "max_tokens", request.MaxTokens is not null, "prompt");
            for (var k = 0; k < n; k++)
            {
                jobs.Add(new GenerationJob(model.Name, model.Tokenizing, model.Route, ids, RequestValidation.ForChoice(sampling, k), stops, logprobs));
            }

            promptTokens += ids.Length;
        }

        await RunAsync(context, TextCompletionFormat.Instance, model, jobs, promptTokens, request.Stream == true, includeUsage).ConfigureAwait(false);
    }

    public async Task ChatCompletionsAsync(HttpContext context)
    {
        var request = await RequestBodyReader.ReadAsync(context, OpenAiJsonContext.Default.ChatCompletionRequest, options.Value.MaxRequestBodyBytes).ConfigureAwait(false);
        var model = await resolver.ResolveAsync(request.Model, context.RequestAborted).ConfigureAwait(false);
        var n = RequestValidation.N(request.N);
        UnsupportedParameters.Check(request);
        var includeUsage = RequestValidation.IncludeUsage(request.Stream, request.StreamOptions);
        var logprobs = RequestValidation.ChatLogprobs(request.Logprobs, request.TopLogprobs);
        var ids = ChatPromptBuilder.Build(request.Messages, model);
        var field = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var requested = request.MaxCompletionTokens ?? request.MaxTokens;

        // Without a limit a chat answer may use the rest of the context, as OpenAI's does.
        var maxTokens = RequestValidation.MaxTokens(requested, field, Math.Max(1, model.MaxContextTokens - ids.Length));
        RequestValidation.CheckContext(model, ids.Length, maxTokens, field, requested is not null, "messages");
        var sampling = SamplingValidation.Read(request, maxTokens, field, requested is not null) with { TopLogprobs = logprobs ?? 0 };
        var stops = RequestValidation.Stops(request.Stop);
        var jobs = new List<GenerationJob>(n);
        for (var k = 0; k < n; k++)
        {
            jobs.Add(new GenerationJob(model.Name, model.Tokenizing, model.Route, ids, RequestValidation.ForChoice(sampling, k), stops, logprobs));
        }

        await RunAsync(context, ChatCompletionFormat.Instance, model, jobs, ids.Length, request.Stream == true, includeUsage).ConfigureAwait(false);
    }

    private Task RunAsync(HttpContext context, IResponseFormat format, ResolvedModel model, List<GenerationJob> jobs, int promptTokens, bool stream, bool includeUsage)
    {
        var header = new ResponseHeader(ResponseWriter.NewId(format.IdPrefix), time.GetUtcNow().ToUnixTimeSeconds(), model.Name);
        var deltas = GenerationFanIn.RunAsync(runner, jobs, context.RequestAborted);
        return writer.WriteAsync(context, format, header, deltas, jobs.Count, promptTokens, stream, includeUsage);
    }
}
