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
        if (!IsJson(request.ContentType))
        {
            throw new ApiException(
                415,
                $"the request body must be JSON (Content-Type: application/json), not '{request.ContentType}'",
                code: "unsupported_media_type");
        }

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

        // Some Windows tools write a UTF-8 byte order mark; the JSON reader would call it an invalid start.
        var json = buffer.WrittenSpan;
        if (json.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        try
        {
            return JsonSerializer.Deserialize(json, type)
                ?? throw ApiException.BadRequest("the request body must be a JSON object, not null");
        }
        catch (JsonException e)
        {
            throw JsonErrorMessages.From(e, type);
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>No Content-Type is taken as JSON (as FastAPI servers do); any other must be application/json or a +json type.</summary>
    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        if (semicolon >= 0)
        {
            mediaType = mediaType[..semicolon];
        }

        mediaType = mediaType.Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase)
                && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static ApiException TooLarge(long limit) =>
        new(413, $"the request body is larger than the limit of {limit} bytes", code: "request_too_large");
}
