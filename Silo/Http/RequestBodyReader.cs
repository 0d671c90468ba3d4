using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace DistInfer.Silo.Http;

/// <summary>Reads a JSON body within the size limit, turning every failure into a 400 or 413 naming the problem.</summary>
internal static class RequestBodyReader
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, long limit)
        where T : class
    {
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        // Kestrel's own limit (30 MB by default) must not cut in before ours.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            int read;
            try
            {
                read = await request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel's limit (ours plus one) met mid-read, as a body without Content-Length meets it: its
                // message would name that limit, one byte more than the one configured.
                throw TooLarge(limit);
            }

            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw TooLarge(limit);
            }
        }

        if (buffer.WrittenCount == 0)
        {
            throw ApiException.BadRequest("the request body is empty; expected a JSON object");
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.WrittenSpan, type)
                ?? throw ApiException.BadRequest("the request body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            throw JsonErrorMessages.From(e, type);
        }
    }

    private static ApiException TooLarge(long limit) =>
        new(413, $"the request body is larger than the limit of {limit} bytes", code: "request_too_large");
}
