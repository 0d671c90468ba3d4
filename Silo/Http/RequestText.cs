using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DistInfer.Silo.Http;

/// <summary>
/// Strings read from a request's JSON. System.Text.Json checks a string's text only when it is read, and throws
/// <see cref="InvalidOperationException"/> for invalid UTF-8 or an unpaired surrogate escape (\ud800): here that is
/// a 400 naming the field, wherever the request's strings are read.
/// </summary>
internal static class RequestText
{
    /// <summary>The text of the JSON string <paramref name="value"/> (its kind checked by the caller).</summary>
    public static string Of(JsonElement value, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException) when (value.ValueKind == JsonValueKind.String)
        {
            throw Invalid(field);
        }
    }

    public static ApiException Invalid(string field) =>
        ApiException.BadRequest($"{field} is not valid text: it holds bytes that are not UTF-8 or an unpaired surrogate escape (\\ud800-\\udfff without its pair)", field);

    /// <summary>The JSON of <paramref name="value"/> as sent, for error messages; bytes that are not UTF-8 show as U+FFFD.</summary>
    public static string Raw(JsonElement value) => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value));
}
