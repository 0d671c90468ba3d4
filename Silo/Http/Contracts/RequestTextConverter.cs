using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>
/// Reads a request's string field. Text that is not valid (bytes that are not UTF-8, an unpaired surrogate escape)
/// fails with a <see cref="DecoderFallbackException"/> inside, so the 400 says so; the reader's own error for it is
/// the same type as for a number in a string's place, which would read "must be a string".
/// </summary>
public sealed class RequestTextConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException();
        }

        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException(null, new DecoderFallbackException(e.Message));
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
