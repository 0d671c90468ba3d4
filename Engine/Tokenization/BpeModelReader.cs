using System.Text.Json;

namespace DistInfer.Engine.Tokenization;

/// <summary>Reads and validates the "model" object of tokenizer.json (vocab, merges, BPE options).</summary>
internal static class BpeModelReader
{
    public static BpeModel Read(string path, JsonElement model)
    {
        // Old files omit "type"; the tokenizers library then infers the model from its fields.
        if (model.TryGetProperty("type", out var type) && type.GetString() is var typeName && typeName != "BPE")
        {
            throw TokenizerJsonReader.Unsupported(path, $"model type '{typeName}'");
        }

        if (!TokenizerJsonReader.IsAbsent(model, "dropout", out var dropout)
            && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
        {
            throw TokenizerJsonReader.Unsupported(path, $"BPE dropout {dropout.GetRawText()}");
        }

        if (TokenizerJsonReader.OptionalBool(path, model, "byte_fallback", false))
        {
            throw TokenizerJsonReader.Unsupported(path, "BPE byte_fallback");
        }

        foreach (var affix in (ReadOnlySpan<string>)["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (!TokenizerJsonReader.IsAbsent(model, affix, out var value)
                && !(value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0))
            {
                throw TokenizerJsonReader.Unsupported(path, $"BPE {affix} {value.GetRawText()}");
            }
        }

        var vocab = ReadVocab(path, TokenizerJsonReader.Required(path, model, "vocab", JsonValueKind.Object));
        var merges = ReadMerges(path, TokenizerJsonReader.Required(path, model, "merges", JsonValueKind.Array), vocab);

        var unkId = -1;
        if (!TokenizerJsonReader.IsAbsent(model, "unk_token", out var unk))
        {
            var unkToken = unk.ValueKind == JsonValueKind.String ? unk.GetString()! : unk.GetRawText();
            if (!vocab.TryGetValue(unkToken, out unkId))
            {
                throw TokenizerJsonReader.Fail(path, $"model.unk_token '{unkToken}' is not in model.vocab");
            }
        }

        return new BpeModel(
            vocab,
            merges,
            unkId,
            TokenizerJsonReader.OptionalBool(path, model, "fuse_unk", false),
            TokenizerJsonReader.OptionalBool(path, model, "ignore_merges", false));
    }

    private static Dictionary<string, int> ReadVocab(string path, JsonElement element)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0
                || id > TokenizerJsonReader.MaxTokenId)
            {
                throw TokenizerJsonReader.Fail(
                    path,
                    $"model.vocab entry '{entry.Name}' has id {entry.Value.GetRawText()}, not an integer in 0..{TokenizerJsonReader.MaxTokenId}");
            }

            vocab[entry.Name] = id;
        }

        return vocab;
    }

    private static BpeMerger ReadMerges(string path, JsonElement element, Dictionary<string, int> vocab)
    {
        var rules = new Dictionary<long, MergeRule>(element.GetArrayLength());
        var rank = 0;
        foreach (var entry in element.EnumerateArray())
        {
            var (left, right) = ParseMerge(path, entry, rank);
            var leftId = VocabId(path, vocab, left, rank);
            var rightId = VocabId(path, vocab, right, rank);
            var mergedId = VocabId(path, vocab, left + right, rank);

            // A repeated pair keeps its first (best) rank.
            rules.TryAdd(BpeMerger.Key(leftId, rightId), new MergeRule(rank, mergedId));
            rank++;
        }

        return new BpeMerger(rules);
    }

    private static (string Left, string Right) ParseMerge(string path, JsonElement entry, int rank)
    {
        if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 2
            && entry[0].ValueKind == JsonValueKind.String && entry[1].ValueKind == JsonValueKind.String)
        {
            return (entry[0].GetString()!, entry[1].GetString()!);
        }

        if (entry.ValueKind == JsonValueKind.String)
        {
            // The older "left right" form; byte-level tokens never contain a space, so it splits unambiguously.
            var text = entry.GetString()!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0)
            {
                return (text[..space], text[(space + 1)..]);
            }
        }

        throw TokenizerJsonReader.Fail(
            path, $"model.merges[{rank}] is {entry.GetRawText()}, expected [\"left\", \"right\"] or \"left right\"");
    }

    private static int VocabId(string path, Dictionary<string, int> vocab, string token, int rank)
    {
        if (!vocab.TryGetValue(token, out var id))
        {
            throw TokenizerJsonReader.Fail(path, $"model.merges[{rank}] uses token '{token}' that is not in model.vocab");
        }

        return id;
    }
}
