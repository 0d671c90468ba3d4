using System.Text;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// The byte-level BPE model of tokenizer.json: turns one pre-tokenized piece into token ids by UTF-8 encoding it,
/// mapping each byte to its single-byte token and applying the merges. Results are cached per piece.
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 10_000;
    private const int StackLimit = 256;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly int[] _byteIds;
    private readonly BpeMerger _merger;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;
    private readonly WordCache _cache = new(CacheCapacity);

    public BpeModel(Dictionary<string, int> vocab, BpeMerger merger, int unkId, bool fuseUnk, bool ignoreMerges)
    {
        Vocab = vocab;
        _vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merger = merger;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
        _byteIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out var id) ? id : -1;
        }
    }

    public Dictionary<string, int> Vocab { get; }

    internal BpeMerger Merger => _merger;

    public void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (_cache.TryGet(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        Span<byte> bytes = maxBytes <= StackLimit ? stackalloc byte[maxBytes] : new byte[maxBytes];
        bytes = bytes[..Encoding.UTF8.GetBytes(piece, bytes)];

        var ids = _ignoreMerges ? WholeWordId(bytes) : null;
        ids ??= MergeBytes(bytes);
        _cache.Add(piece, ids);
        output.AddRange(ids);
    }

    private int[]? WholeWordId(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= StackLimit ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
        }

        return _vocabLookup.TryGetValue(chars, out var id) ? [id] : null;
    }

    private int[] MergeBytes(ReadOnlySpan<byte> bytes)
    {
        Span<int> symbols = bytes.Length <= StackLimit ? stackalloc int[bytes.Length] : new int[bytes.Length];
        var count = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var id = _byteIds[bytes[i]];
            if (id >= 0)
            {
                symbols[count++] = id;
            }
            else if (_unkId >= 0 && !(_fuseUnk && count > 0 && symbols[count - 1] == _unkId))
            {
                // Like the tokenizers library: a byte missing from the vocabulary becomes unk, or is dropped without one.
                symbols[count++] = _unkId;
            }
        }

        count = _merger.Merge(symbols[..count]);
        return symbols[..count].ToArray();
    }
}
