using System.Text.Json;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Loads tokenizer.json into a <see cref="BpeTokenizer"/>. Anything it cannot reproduce exactly (another model
/// type, a normalizer, byte fallback, other pre-tokenizers) is refused with a <see cref="TokenizerException"/>
/// rather than silently encoding differently from the model's training.
/// </summary>
internal static class TokenizerJsonReader
{
    /// <summary>Ids index dense per-id tables; real vocabularies stay far below this (about 262k at most today).</summary>
    internal const int MaxTokenId = (1 << 24) - 1;

    public static BpeTokenizer Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new TokenizerException($"Tokenizer file '{path}' does not exist.");
        }

        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            throw new TokenizerException($"Tokenizer file '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new TokenizerException($"Tokenizer file '{path}' cannot be read: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, "the top level is not a JSON object");
            }

            // truncation and padding are per-call options in transformers (it resets them), so they are ignored.
            CheckNormalizer(path, root);
            var (addPrefixSpace, useRegex) = ReadPreTokenizer(path, root);
            CheckPostProcessor(path, root);
            CheckDecoder(path, root);
            var model = BpeModelReader.Read(path, Required(path, root, "model", JsonValueKind.Object));
            var added = ReadAddedTokens(path, root);
            return new BpeTokenizer(model, added, addPrefixSpace, useRegex);
        }
    }

    internal static TokenizerException Fail(string path, string problem) =>
        new($"Tokenizer file '{path}': {problem}.");

    internal static TokenizerException Unsupported(string path, string feature) =>
        new($"Tokenizer file '{path}' uses {feature}, which is not supported (byte-level BPE only).");

    internal static JsonElement Required(string path, JsonElement parent, string name, JsonValueKind kind)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw Fail(path, $"field '{name}' is missing");
        }

        if (value.ValueKind != kind)
        {
            throw Fail(path, $"field '{name}' is {value.ValueKind}, expected {kind}");
        }

        return value;
    }

    internal static bool IsAbsent(JsonElement parent, string name, out JsonElement value) =>
        !parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null;

    internal static bool OptionalBool(string path, JsonElement parent, string name, bool defaultValue)
    {
        if (IsAbsent(parent, name, out var value))
        {
            return defaultValue;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail(path, $"field '{name}' is {value.ValueKind}, expected a boolean"),
        };
    }

    private static string TypeOf(string path, JsonElement element, string field)
    {
        if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw Fail(path, $"'{field}' has no string 'type'");
        }

        return type.GetString()!;
    }

    private static void CheckNormalizer(string path, JsonElement root)
    {
        if (!IsAbsent(root, "normalizer", out var normalizer))
        {
            throw Unsupported(path, $"normalizer '{TypeOf(path, normalizer, "normalizer")}'");
        }
    }

    private static (bool AddPrefixSpace, bool UseRegex) ReadPreTokenizer(string path, JsonElement root)
    {
        if (IsAbsent(root, "pre_tokenizer", out var pre))
        {
            throw Unsupported(path, "no pre_tokenizer (a ByteLevel pre_tokenizer is required)");
        }

        var type = TypeOf(path, pre, "pre_tokenizer");
        if (type != "ByteLevel")
        {
            throw Unsupported(path, $"pre_tokenizer '{type}'");
        }

        // Defaults are those of the tokenizers library's ByteLevel.
        return (OptionalBool(path, pre, "add_prefix_space", true), OptionalBool(path, pre, "use_regex", true));
    }

    private static void CheckPostProcessor(string path, JsonElement root)
    {
        // ByteLevel post-processing only trims offsets; ids are unchanged.
        if (!IsAbsent(root, "post_processor", out var post) && TypeOf(path, post, "post_processor") is var type
            && type != "ByteLevel")
        {
            throw Unsupported(path, $"post_processor '{type}'");
        }
    }

    private static void CheckDecoder(string path, JsonElement root)
    {
        if (IsAbsent(root, "decoder", out var decoder))
        {
            throw Unsupported(path, "no decoder (a ByteLevel decoder is required)");
        }

        var type = TypeOf(path, decoder, "decoder");
        if (type != "ByteLevel")
        {
            throw Unsupported(path, $"decoder '{type}'");
        }
    }

    private static AddedToken[] ReadAddedTokens(string path, JsonElement root)
    {
        if (IsAbsent(root, "added_tokens", out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path, "field 'added_tokens' is not an array");
        }

        var tokens = new List<AddedToken>();
        foreach (var entry in array.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, "an 'added_tokens' entry is not an object");
            }

            var idElement = Required(path, entry, "id", JsonValueKind.Number);
            if (!idElement.TryGetInt32(out var id) || id < 0 || id > MaxTokenId)
            {
                throw Fail(path, $"added token id {idElement.GetRawText()} is not an integer in 0..{MaxTokenId}");
            }

            var content = Required(path, entry, "content", JsonValueKind.String).GetString()!;
            if (content.Length == 0)
            {
                throw Fail(path, $"added token {id} has empty content");
            }

            var token = new AddedToken(
                id,
                content,
                OptionalBool(path, entry, "special", false),
                OptionalBool(path, entry, "single_word", false),
                OptionalBool(path, entry, "lstrip", false),
                OptionalBool(path, entry, "rstrip", false),
                OptionalBool(path, entry, "normalized", !OptionalBool(path, entry, "special", false)));
            if (token.SingleWord)
            {
                throw Unsupported(path, $"single_word on added token '{content}'");
            }

            tokens.Add(token);
        }

        return [.. tokens];
    }
}
