namespace DistInfer.Runtime.Membership.Redis;

/// <summary>
/// Lua scripts that make each membership write one atomic compare-and-swap inside Redis. The table version is
/// stored as a number in field "version" and its etag is that number (every write increments it).
/// </summary>
internal static class RedisMembershipScripts
{
    /// <summary>KEYS[1] hash; ARGV: field, document, expected version etag, new version. 1 = written.</summary>
    public const string Insert = """
        local v = redis.call('HGET', KEYS[1], 'version') or '0'
        if v ~= ARGV[3] or tonumber(ARGV[4]) <= tonumber(v) then return 0 end
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'version', ARGV[4])
        return 1
        """;

    /// <summary>As <see cref="Insert"/> plus ARGV[5] the expected row etag; the row must exist.</summary>
    public const string Update = """
        local v = redis.call('HGET', KEYS[1], 'version') or '0'
        if v ~= ARGV[3] or tonumber(ARGV[4]) <= tonumber(v) then return 0 end
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if not current or cjson.decode(current)['etag'] ~= ARGV[5] then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'version', ARGV[4])
        return 1
        """;

    /// <summary>KEYS[1] hash; ARGV: field, value read, new value. Replaces only an unchanged value.</summary>
    public const string ReplaceValue = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return 1
        """;

    /// <summary>KEYS[1] hash; ARGV: field, value read. Deletes only an unchanged value.</summary>
    public const string DeleteValue = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        return 1
        """;
}
