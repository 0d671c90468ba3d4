namespace DistInfer.Runtime.Streams;

/// <summary>
/// Position of an item in a stream, ordered by (SequenceNumber, EventIndex). The memory provider numbers items per
/// producer and stream (EventIndex 0); the redis provider uses the Redis entry id "SequenceNumber-EventIndex"
/// (see Redis.RedisStreamSequenceToken.From), which a consumer can hand back to resume or rewind.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed record StreamSequenceToken([property: Id(0)] long SequenceNumber, [property: Id(1)] long EventIndex = 0)
    : IComparable<StreamSequenceToken>
{
    public int CompareTo(StreamSequenceToken? other)
    {
        if (other is null)
        {
            return 1;
        }

        var bySequence = SequenceNumber.CompareTo(other.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(other.EventIndex);
    }

    public static bool operator <(StreamSequenceToken left, StreamSequenceToken right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamSequenceToken left, StreamSequenceToken right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamSequenceToken left, StreamSequenceToken right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamSequenceToken left, StreamSequenceToken right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{SequenceNumber}-{EventIndex}";
}
