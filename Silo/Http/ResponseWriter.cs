using System.Text.Json;
using DistInfer.Silo.Http.Contracts;
using DistInfer.Silo.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Http;

/// <summary>
/// Writes generation output as one JSON response or as server-sent events. Nothing is sent before the first
/// delta, so failures that happen before it (429, 503, a route's decision) still get a proper status and error
/// body; a failure after it is reported as an error event.
/// </summary>
internal sealed class ResponseWriter(RequestMetrics metrics, ILogger<ResponseWriter> logger)
{
    public const string ModelHeader = "X-DistInfer-Model";

    /// <summary>
    /// The model's name as a header value: as it is when it is printable ASCII, else percent-encoded UTF-8. A
    /// deployed name may hold any character, and Kestrel throws on a non-ASCII header value, which failed every
    /// request to such a model with a 500.
    /// </summary>
    public static string ModelHeaderValue(string model) =>
        model.All(c => c is >= ' ' and <= '~') ? model : Uri.EscapeDataString(model);

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task WriteAsync(
        HttpContext context,
        IResponseFormat format,
        ResponseHeader header,
        IAsyncEnumerable<GenerationDelta> deltas,
        int choices,
        int promptTokens,
        bool stream,
        bool includeUsage)
    {
        if (stream)
        {
            await StreamAsync(context, format, header, deltas, choices, promptTokens, includeUsage).ConfigureAwait(false);
            return;
        }

        var results = new ChoiceResult[choices];
        for (var i = 0; i < choices; i++)
        {
            results[i] = new ChoiceResult();
        }

        string? answeredBy = null;
        await foreach (var d in deltas.ConfigureAwait(false))
        {
            answeredBy ??= d.AnsweredBy;
            var r = results[d.Index];
            r.Text.Append(d.Text);
            r.TokenIds.AddRange(d.TokenIds);
            if (d.Logprobs is { } logprobs)
            {
                r.Logprobs.Add(logprobs);
            }
            if (d.FinishReason is not null)
            {
                r.FinishReason = d.FinishReason;
            }
        }

        var completion = 0;
        foreach (var r in results)
        {
            completion += r.TokenIds.Count;
        }

        var body = format.Complete(header, results, Usage(promptTokens, completion));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        if (answeredBy is not null)
        {
            context.Response.Headers[ModelHeader] = ModelHeaderValue(answeredBy);
        }

        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, IResponseFormat format, ResponseHeader header, IAsyncEnumerable<GenerationDelta> deltas, int choices, int promptTokens, bool includeUsage)
    {
        var response = context.Response;
        var started = new bool[choices];
        var any = false;
        var completion = 0;
        try
        {
            await foreach (var d in deltas.ConfigureAwait(false))
            {
                if (!any)
                {
                    any = true;
                    response.StatusCode = 200;
                    response.ContentType = "text/event-stream; charset=utf-8";
                    response.Headers.CacheControl = "no-cache";
                    response.Headers[ModelHeader] = ModelHeaderValue(d.AnsweredBy);
                }

                completion += d.TokenIds.Length;
                foreach (var chunk in format.Chunks(header, d, !started[d.Index]))
                {
                    await WriteEventAsync(response, chunk, context.RequestAborted).ConfigureAwait(false);
                }

                started[d.Index] = true;
                await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }

            if (includeUsage)
            {
                await WriteEventAsync(response, format.UsageChunk(header, Usage(promptTokens, completion)), context.RequestAborted).ConfigureAwait(false);
            }

            await response.Body.WriteAsync(Done, context.RequestAborted).ConfigureAwait(false);
            await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (any && !context.RequestAborted.IsCancellationRequested)
        {
            var api = ApiErrors.From(e, context);
            metrics.RecordError(api.Status);
            Log.StreamFailed(logger, context.Request.Path, e.Message);
            var error = JsonSerializer.SerializeToUtf8Bytes(ApiErrors.Body(api), OpenAiJsonContext.Default.ErrorResponse);
            await WriteEventAsync(response, error, CancellationToken.None).ConfigureAwait(false);
            await response.Body.WriteAsync(Done, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, byte[] json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(DataPrefix, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(EventEnd, cancellationToken).ConfigureAwait(false);
    }

    private static Usage Usage(int prompt, int completion) =>
        new() { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };

    /// <summary>A fresh id: prefix and 24 random hex digits, as unique as OpenAI's.</summary>
    public static string NewId(string prefix) => prefix + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 12));
}
