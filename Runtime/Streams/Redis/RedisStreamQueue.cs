using System.Globalization;
using DistInfer.Runtime.Membership.Redis;
using StackExchange.Redis;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// The Redis Streams commands a durable, at-least-once stream provider needs, over StackExchange.Redis 1.2.6
/// (which predates stream support, so commands go through Execute and replies are parsed here). Each entry has
/// field "d" with the raw payload bytes and, when set, field "s" with the logical stream id. No command blocks
/// (no XREADGROUP BLOCK): the multiplexed connection is shared, so consumers poll (see
/// <see cref="RedisStreamConsumer"/>).
/// </summary>
public sealed class RedisStreamQueue
{
    private const string PayloadField = "d";
    private const string StreamIdField = "s";
    private readonly IConnectionMultiplexer _connection;
    private readonly RedisStreamQueueOptions _options;
    private readonly RedisKey _key;

    public RedisStreamQueue(IConnectionMultiplexer connection, RedisStreamQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.StreamKey);
        ArgumentException.ThrowIfNullOrEmpty(options.GroupName);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReadBatchSize, 1);
        _connection = connection;
        _options = options;
        _key = options.StreamKey;
    }

    public RedisStreamQueueOptions Options => _options;

    /// <summary>
    /// Creates the consumer group (and the stream) when missing. A new group starts after <paramref name="startAfter"/>
    /// or, when null, at the end of the stream ("$"). Returns false when the group already existed.
    /// </summary>
    public async Task<bool> EnsureGroupAsync(RedisStreamSequenceToken? startAfter = null)
    {
        try
        {
            await ExecuteAsync("XGROUP", "CREATE", _key, _options.GroupName, startAfter?.ToString() ?? "$", "MKSTREAM").ConfigureAwait(false);
            return true;
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>
    /// Appends an item (XADD, trimming to about MaxLength) tagged with its logical <paramref name="streamId"/>
    /// and returns its token.
    /// </summary>
    public async Task<RedisStreamSequenceToken> AddAsync(ReadOnlyMemory<byte> payload, string streamId = "")
    {
        ArgumentNullException.ThrowIfNull(streamId);

        // StackExchange.Redis 1.2.6 takes byte[] only; one copy into the command buffer is unavoidable here.
        var bytes = payload.ToArray();
        var args = new List<object>(9) { _key };
        if (_options.MaxLength > 0)
        {
            args.AddRange(["MAXLEN", "~", _options.MaxLength.ToString(CultureInfo.InvariantCulture)]);
        }

        args.Add("*");
        if (streamId.Length > 0)
        {
            args.AddRange([StreamIdField, streamId]);
        }

        args.AddRange([PayloadField, bytes]);
        var result = await ExecuteAsync("XADD", [.. args]).ConfigureAwait(false);
        return RedisStreamSequenceToken.Parse((string)result!);
    }

    /// <summary>New entries for <paramref name="consumer"/> (XREADGROUP ... &gt;); they stay pending until acked.</summary>
    public Task<IReadOnlyList<RedisStreamEntry>> ReadNewAsync(string consumer, int? count = null) =>
        ReadGroupAsync(consumer, ">", count);

    /// <summary>Entries delivered to <paramref name="consumer"/> but not acked (after its restart).</summary>
    public Task<IReadOnlyList<RedisStreamEntry>> ReadPendingAsync(string consumer, int? count = null) =>
        ReadGroupAsync(consumer, "0", count);

    /// <summary>Acknowledges processed entries (XACK); returns how many were pending.</summary>
    public async Task<long> AckAsync(IReadOnlyList<RedisStreamSequenceToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
        {
            return 0;
        }

        var args = new object[tokens.Count + 2];
        args[0] = _key;
        args[1] = _options.GroupName;
        for (var i = 0; i < tokens.Count; i++)
        {
            args[i + 2] = tokens[i].ToString();
        }

        return (long)await ExecuteAsync("XACK", args).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves entries other consumers left pending for at least <paramref name="minIdle"/> (crashed consumers) to
    /// <paramref name="consumer"/> and returns them (XAUTOCLAIM). Entries trimmed meanwhile are dropped from the
    /// pending list by Redis and not returned.
    /// </summary>
    public async Task<IReadOnlyList<RedisStreamEntry>> ClaimIdleAsync(string consumer, TimeSpan minIdle, int? count = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        var claimed = new List<RedisStreamEntry>();
        var cursor = "0-0";
        var limit = count ?? _options.ReadBatchSize;
        do
        {
            var result = (RedisResult[])(await ExecuteAsync(
                "XAUTOCLAIM", _key, _options.GroupName, consumer,
                ((long)minIdle.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), cursor,
                "COUNT", (limit - claimed.Count).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false))!;
            cursor = (string)result[0]!;
            ParseEntries(result[1], claimed);
        }
        while (cursor != "0-0" && claimed.Count < limit);

        return claimed;
    }

    /// <summary>Entries from <paramref name="from"/> (inclusive) onwards, regardless of the group (XRANGE).</summary>
    public async Task<IReadOnlyList<RedisStreamEntry>> RangeAsync(RedisStreamSequenceToken from, int? count = null, bool exclusive = false)
    {
        var start = exclusive ? "(" + from : from.ToString();
        var result = await ExecuteAsync("XRANGE", _key, start, "+", "COUNT", (count ?? _options.ReadBatchSize).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var entries = new List<RedisStreamEntry>();
        ParseEntries(result, entries);
        return entries;
    }

    /// <summary>Number of entries in the stream (XLEN).</summary>
    public async Task<long> LengthAsync() => (long)await ExecuteAsync("XLEN", _key).ConfigureAwait(false);

    /// <summary>Number of entries delivered to the group and not yet acked (XPENDING summary).</summary>
    public async Task<long> PendingCountAsync()
    {
        var result = (RedisResult[])(await ExecuteAsync("XPENDING", _key, _options.GroupName).ConfigureAwait(false))!;
        return (long)result[0];
    }

    private async Task<IReadOnlyList<RedisStreamEntry>> ReadGroupAsync(string consumer, string id, int? count)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        var result = await ExecuteAsync(
            "XREADGROUP", "GROUP", _options.GroupName, consumer,
            "COUNT", (count ?? _options.ReadBatchSize).ToString(CultureInfo.InvariantCulture),
            "STREAMS", _key, id).ConfigureAwait(false);
        var entries = new List<RedisStreamEntry>();
        var trimmed = new List<RedisStreamSequenceToken>();
        if (!result.IsNull)
        {
            // [[key, [[id, [field, value, ...]], ...]]]
            foreach (var stream in (RedisResult[])result!)
            {
                ParseEntries(((RedisResult[])stream!)[1], entries, trimmed);
            }
        }

        // Pending entries whose data MAXLEN trimmed away can never be delivered; drop them from the pending list.
        await AckAsync(trimmed).ConfigureAwait(false);
        return entries;
    }

    private static void ParseEntries(RedisResult result, List<RedisStreamEntry> into, List<RedisStreamSequenceToken>? trimmed = null)
    {
        if (result.IsNull)
        {
            return;
        }

        foreach (var item in (RedisResult[])result!)
        {
            var parts = (RedisResult[])item!;
            var token = RedisStreamSequenceToken.Parse((string)parts[0]!);
            if (parts[1].IsNull)
            {
                trimmed?.Add(token);
                continue;
            }

            var fields = (RedisResult[])parts[1]!;
            var streamId = "";
            byte[]? payload = null;
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                switch ((string)fields[i]!)
                {
                    case PayloadField:
                        payload = (byte[])fields[i + 1]!;
                        break;
                    case StreamIdField:
                        streamId = (string)fields[i + 1]!;
                        break;
                }
            }

            if (payload is not null)
            {
                into.Add(new RedisStreamEntry(token, streamId, payload));
            }
        }
    }

    private Task<RedisResult> ExecuteAsync(string command, params object[] args) =>
        RedisConnector.RunAsync(
            _connection,
            db => db.ExecuteAsync(command, args),
            _options.OperationTimeout,
            ex => new RedisStreamUnavailableException($"Redis unavailable for stream {_options.StreamKey}: {ex.Message}", ex));
}
