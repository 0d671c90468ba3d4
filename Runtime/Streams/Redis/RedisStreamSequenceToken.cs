using System.Globalization;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Position of an item in a Redis stream: the entry id "milliseconds-sequence". Ordered like the stream, so a
/// consumer can resume or rewind from one. (Named with the Redis prefix so it can sit beside a provider-neutral
/// StreamSequenceToken and convert to it.)
/// </summary>
public readonly record struct RedisStreamSequenceToken(long Milliseconds, long Sequence)
    : IComparable<RedisStreamSequenceToken>, IComparable
{
    /// <summary>"0-0": before every entry.</summary>
    public static RedisStreamSequenceToken Zero { get; } = new(0, 0);

    public static RedisStreamSequenceToken Parse(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!TryParse(id, out var token))
        {
            throw new FormatException($"'{id}' is not a Redis stream entry id (expected milliseconds-sequence)");
        }

        return token;
    }

    public static bool TryParse(string? id, out RedisStreamSequenceToken token)
    {
        token = default;
        var dash = id?.IndexOf('-', StringComparison.Ordinal) ?? -1;
        if (id is null || dash <= 0
            || !long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        token = new RedisStreamSequenceToken(ms, seq);
        return true;
    }

    /// <summary>The Redis entry id a provider-neutral token carries (redis provider: SequenceNumber-EventIndex).</summary>
    public static RedisStreamSequenceToken From(StreamSequenceToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new RedisStreamSequenceToken(token.SequenceNumber, token.EventIndex);
    }

    /// <summary>The token observers of the redis provider receive.</summary>
    public StreamSequenceToken ToStreamSequenceToken() => new(Milliseconds, Sequence);

    public static implicit operator StreamSequenceToken(RedisStreamSequenceToken token) => token.ToStreamSequenceToken();

    public int CompareTo(RedisStreamSequenceToken other)
    {
        var byTime = Milliseconds.CompareTo(other.Milliseconds);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }

    public int CompareTo(object? obj) => obj is RedisStreamSequenceToken other
        ? CompareTo(other)
        : throw new ArgumentException("not a RedisStreamSequenceToken", nameof(obj));

    public static bool operator <(RedisStreamSequenceToken left, RedisStreamSequenceToken right) => left.CompareTo(right) < 0;

    public static bool operator >(RedisStreamSequenceToken left, RedisStreamSequenceToken right) => left.CompareTo(right) > 0;

    public static bool operator <=(RedisStreamSequenceToken left, RedisStreamSequenceToken right) => left.CompareTo(right) <= 0;

    public static bool operator >=(RedisStreamSequenceToken left, RedisStreamSequenceToken right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");
}
