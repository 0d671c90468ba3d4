using System.Text;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>FNV-1a over UTF-8 with a final mix: the same on every process (string.GetHashCode is randomized).</summary>
internal static class RedisStreamHash
{
    public static ulong Of(string text, ulong seed = 0)
    {
        var hash = 14695981039346656037UL ^ seed;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        // FNV's low bits mix poorly for short keys; a murmur-style finalizer spreads them.
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
