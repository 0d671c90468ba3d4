namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// The logical stream id as stored in each entry's "s" field and used for queue mapping: namespace and key joined by
/// the unit separator (U+001F), which a namespace may not contain.
/// </summary>
internal static class RedisStreamField
{
    private const char Separator = '\u001f';

    public static string Format(StreamId streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId.Namespace);
        ArgumentNullException.ThrowIfNull(streamId.Key);
        if (streamId.Namespace.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Stream namespace '{streamId.Namespace}' contains U+001F, which the redis stream provider uses as separator", nameof(streamId));
        }

        return string.Concat(streamId.Namespace, Separator.ToString(), streamId.Key);
    }

    public static bool TryParse(string field, out StreamId streamId)
    {
        var separator = field.IndexOf(Separator, StringComparison.Ordinal);
        streamId = separator < 0 ? default : new StreamId(field[..separator], field[(separator + 1)..]);
        return separator >= 0;
    }
}
