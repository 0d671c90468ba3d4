using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistInfer.Silo.Http.Contracts;

/// <summary>
/// Reads an integer field that a client may send as a number with a zero fraction (4.0: JavaScript and some SDKs
/// serialise whole doubles so); a real fraction or a non-number fails as a JSON type error, a whole number beyond
/// int's range as out of range (an <see cref="OverflowException"/> inside, naming the number).
/// </summary>
public sealed class WholeNumberConverter : JsonConverter<int?>
{
    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt32(out var value))
            {
                return value;
            }

            if (reader.TryGetDouble(out var d) && d == Math.Floor(d))
            {
                return d is >= int.MinValue and <= int.MaxValue
                    ? (int)d
                    : throw new JsonException(null, new OverflowException(Encoding.UTF8.GetString(reader.ValueSpan)));
            }
        }

        throw new JsonException();
    }

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteNumberValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
