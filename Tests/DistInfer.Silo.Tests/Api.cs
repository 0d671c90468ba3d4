using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

/// <summary>Plain HttpClient calls as any OpenAI client makes them.</summary>
internal static class Api
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string path, string json, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    /// <summary>Posts <paramref name="body"/> as it is, which may hold bytes that are not UTF-8.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostBytesAsync(HttpClient client, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(HttpStatusCode Status, List<string> Events, string ContentType)> StreamAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    events.Add(data.ToString());
                    data.Clear();
                }

                continue;
            }

            // The whole line on failure: an error body names what went wrong.
            Assert.True(line.StartsWith("data: ", StringComparison.Ordinal), $"expected an SSE data line, got: {line}");
            data.Append(line["data: ".Length..]);
        }

        Assert.Equal(0, data.Length);
        return (response.StatusCode, events, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    /// <summary>Asserts OpenAI's error shape and returns the error object.</summary>
    public static JsonElement AssertError(JsonElement body)
    {
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }
}
