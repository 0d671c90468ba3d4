namespace DistInfer.Runtime.Generators;

/// <summary>Same FNV-1a as DistInfer.Runtime.StableHash, so method ids computed here match the runtime's.</summary>
internal static class Fnv
{
    public static uint Compute(string text)
    {
        var hash = 2166136261;
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * 16777619;
            hash = (hash ^ (byte)(c >> 8)) * 16777619;
        }

        return hash;
    }
}
