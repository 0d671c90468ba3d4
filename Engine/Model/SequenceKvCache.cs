namespace DistInfer.Engine.Model;

/// <summary>
/// The KV cache of one sequence for a contiguous range of layers: keys (after RoPE) and values per position,
/// [position, kvHeads·headDim] per layer. Grows by doubling; <see cref="Length"/> counts committed positions.
/// </summary>
public sealed class SequenceKvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private int _capacity;
    private bool[] _masked;

    public SequenceKvCache(int firstLayer, int endLayer, int kvWidth, int initialCapacity = 64)
    {
        FirstLayer = firstLayer;
        EndLayer = endLayer;
        KvWidth = kvWidth;
        _capacity = Math.Max(1, initialCapacity);
        _keys = new float[endLayer - firstLayer][];
        _values = new float[endLayer - firstLayer][];
        _masked = new bool[_capacity];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = new float[_capacity * kvWidth];
            _values[i] = new float[_capacity * kvWidth];
        }
    }

    public int FirstLayer { get; }
    public int EndLayer { get; }
    public int KvWidth { get; }

    /// <summary>Slots whose keys and values are stored for every layer of the range.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Unmasked committed slots: the RoPE position of the next unmasked token. Equals <see cref="Length"/> unless
    /// padding was masked (transformers derives positions from the attention mask's cumulative sum).
    /// </summary>
    public int RotaryLength { get; private set; }

    public long BytesAllocated => 2L * _keys.Length * _capacity * KvWidth * sizeof(float);

    /// <summary>Makes room for <paramref name="extra"/> positions past <see cref="Length"/>.</summary>
    public void Reserve(int extra)
    {
        var needed = Length + extra;
        if (needed <= _capacity)
        {
            return;
        }

        var capacity = Math.Max(needed, _capacity * 2);
        for (var i = 0; i < _keys.Length; i++)
        {
            Array.Resize(ref _keys[i], capacity * KvWidth);
            Array.Resize(ref _values[i], capacity * KvWidth);
        }

        Array.Resize(ref _masked, capacity);
        _capacity = capacity;
    }

    /// <summary>Whether slot <paramref name="slot"/> holds a masked (padding) token that nothing attends to.</summary>
    public bool IsMasked(int slot) => _masked[slot];

    public void SetMasked(int slot, bool masked) => _masked[slot] = masked;

    public Span<float> Keys(int layer, int position, int count) =>
        _keys[layer - FirstLayer].AsSpan(position * KvWidth, count * KvWidth);

    public Span<float> Values(int layer, int position, int count) =>
        _values[layer - FirstLayer].AsSpan(position * KvWidth, count * KvWidth);

    /// <summary>Marks <paramref name="count"/> new positions as stored (after every layer of the range ran).</summary>
    public void Commit(int count)
    {
        for (var i = Length; i < Length + count; i++)
        {
            RotaryLength += _masked[i] ? 0 : 1;
        }

        Length += count;
    }

    /// <summary>A copy of layer <paramref name="layer"/>'s committed keys [Length, KvWidth] (a stage handing its caches over).</summary>
    public float[] CommittedKeys(int layer) => Keys(layer, 0, Length).ToArray();

    /// <summary>A copy of layer <paramref name="layer"/>'s committed values [Length, KvWidth].</summary>
    public float[] CommittedValues(int layer) => Values(layer, 0, Length).ToArray();

    /// <summary>Which committed slots are masked (padding).</summary>
    public bool[] CommittedMask() => _masked.AsSpan(0, Length).ToArray();

    /// <summary>
    /// A cache holding <paramref name="masked"/>.Length committed slots copied from another cache of the same layers
    /// (<see cref="CommittedKeys"/>, <see cref="CommittedValues"/>, <see cref="CommittedMask"/>), room for more after.
    /// </summary>
    public static SequenceKvCache FromCommitted(int firstLayer, int endLayer, int kvWidth, bool[] masked, float[][] keys, float[][] values)
    {
        ArgumentNullException.ThrowIfNull(masked);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var layers = endLayer - firstLayer;
        if (keys.Length != layers || values.Length != layers)
        {
            throw new ArgumentException($"{keys.Length} key and {values.Length} value layers for the {layers} layers [{firstLayer}, {endLayer})");
        }

        var length = masked.Length;
        var cache = new SequenceKvCache(firstLayer, endLayer, kvWidth, length + 64);
        for (var i = 0; i < layers; i++)
        {
            if (keys[i]?.Length != length * kvWidth || values[i]?.Length != length * kvWidth)
            {
                throw new ArgumentException($"layer {firstLayer + i}: {keys[i]?.Length ?? 0} keys and {values[i]?.Length ?? 0} values for {length} slots of width {kvWidth}");
            }

            keys[i].CopyTo(cache._keys[i], 0);
            values[i].CopyTo(cache._values[i], 0);
        }

        masked.CopyTo(cache._masked, 0);
        cache.Commit(length);
        return cache;
    }

    /// <summary>Forgets slots from <paramref name="length"/> on (used to rebuild a sequence after a fault).</summary>
    public void Truncate(int length)
    {
        Length = Math.Clamp(length, 0, Length);
        RotaryLength = 0;
        for (var i = 0; i < Length; i++)
        {
            RotaryLength += _masked[i] ? 0 : 1;
        }
    }
}
