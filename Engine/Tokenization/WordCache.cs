using System.Collections.Concurrent;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Thread-safe, bounded cache of pre-tokenized word to token ids. Lookups take a span so a hit allocates nothing.
/// When full it stops taking words (as the tokenizers library does): word frequencies are Zipfian, so the common
/// words arrive first, and emptying it instead made cache misses on unusual text pay for constant re-filling.
/// </summary>
internal sealed class WordCache
{
    /// <summary>Longer words are rare and expensive to hash and store, so they are not cached.</summary>
    public const int MaxWordLength = 256;

    private readonly ConcurrentDictionary<string, int[]> _map = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _capacity;
    private int _count;

    public WordCache(int capacity)
    {
        _capacity = capacity;
        _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (_capacity <= 0 || word.Length > MaxWordLength)
        {
            return;
        }

        if (Volatile.Read(ref _count) >= _capacity)
        {
            return;
        }

        if (_lookup.TryAdd(word, ids))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
