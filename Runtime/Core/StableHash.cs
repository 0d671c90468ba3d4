namespace DistInfer.Runtime;

/// <summary>
/// FNV-1a over UTF-16 code units. string.GetHashCode is randomized per process, but grain ids, method ids and
/// directory ring positions must agree between silos, so they use this instead.
/// </summary>
public static class StableHash
{
    private const uint Offset = 2166136261;
    private const uint Prime = 16777619;

    public static uint Compute(string text) => Append(Offset, text);

    public static uint Compute(string first, string second) => Append(Append(Append(Offset, first), "/"), second);

    private static uint Append(uint hash, string text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }

        return hash;
    }
}
