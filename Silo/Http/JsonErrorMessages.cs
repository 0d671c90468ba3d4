using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DistInfer.Silo.Http;

/// <summary>
/// Turns a <see cref="JsonException"/> from reading a request body into a 400 that names the field by its JSON path
/// and the JSON type it needs in plain words. System.Text.Json's own message names .NET types
/// (System.Nullable`1[System.Int32]), which mean nothing to an API caller.
/// </summary>
internal static class JsonErrorMessages
{
    public static ApiException From(JsonException e, JsonTypeInfo root)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;

        // The reader's own (syntax) errors come wrapped with the reader's exception inside; conversion errors do not.
        if (e.InnerException is JsonException)
        {
            var at = path == "$" ? "" : $" (at {path})";
            return ApiException.BadRequest($"the request body is not valid JSON: {FirstSentence(e.Message)}{at}");
        }

        var expected = Resolve(root, path) is { } info ? Describe(info) : null;
        if (path == "$")
        {
            return ApiException.BadRequest($"the request body must be {expected ?? "a JSON object"}");
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

        // A whole number beyond int (WholeNumberConverter): its type was right, its size not.
        if (e.InnerException is OverflowException overflow)
        {
            return ApiException.BadRequest($"{field} is out of range: {overflow.Message} is not between {int.MinValue} and {int.MaxValue} (at {path})", field);
        }

        // A string whose text is not valid (RequestTextConverter): its type was right.
        if (e.InnerException is DecoderFallbackException)
        {
            return RequestText.Invalid(field);
        }

        return expected is null
            ? ApiException.BadRequest($"{field} has a value of the wrong JSON type (at {path})", field)
            : ApiException.BadRequest($"{field} must be {expected} (at {path})", field);
    }

    /// <summary>The metadata of the value at <paramref name="path"/> ("$.a.b[2]", "$['a']"); null when not found.</summary>
    private static JsonTypeInfo? Resolve(JsonTypeInfo root, string path)
    {
        JsonTypeInfo? info = root;
        var i = 1;
        while (info is not null && i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                info = Property(info, path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['") && path.IndexOf("']", i + 2, StringComparison.Ordinal) is var close and > 0)
            {
                info = Property(info, path[(i + 2)..close]);
                i = close + 2;
            }
            else if (path[i] == '[' && path.IndexOf(']', i) is var bracket and > 0)
            {
                info = info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element ? info.Options.GetTypeInfo(element) : null;
                i = bracket + 1;
            }
            else
            {
                return null;
            }
        }

        return info;
    }

    private static JsonTypeInfo? Property(JsonTypeInfo info, string name)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return null;
        }

        foreach (var property in info.Properties)
        {
            if (property.Name == name)
            {
                return info.Options.GetTypeInfo(property.PropertyType);
            }
        }

        return null;
    }

    private static string? Describe(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return "an integer";
        }

        if (type == typeof(float) || type == typeof(double))
        {
            return "a number";
        }

        if (type == typeof(bool))
        {
            return "a boolean (true or false)";
        }

        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object => "an object",
            _ => null,
        };
    }

    // Messages end with "Path: ... | LineNumber: ..."; the path is reported on its own.
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
