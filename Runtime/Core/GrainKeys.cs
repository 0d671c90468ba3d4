using System.Globalization;

namespace DistInfer.Runtime;

/// <summary>Encodes integer, Guid and compound keys into the string form carried by <see cref="GrainId"/>.</summary>
public static class GrainKeys
{
    private const char ExtensionSeparator = '+';

    public static string FromLong(long key) => key.ToString(CultureInfo.InvariantCulture);

    public static string FromGuid(Guid key) => key.ToString("N");

    public static string FromLong(long key, string extension) => FromLong(key) + ExtensionSeparator + extension;

    public static string FromGuid(Guid key, string extension) => FromGuid(key) + ExtensionSeparator + extension;

    public static long ToLong(string key, out string? extension)
    {
        var plus = key.IndexOf(ExtensionSeparator, StringComparison.Ordinal);
        extension = plus < 0 ? null : key[(plus + 1)..];
        var text = plus < 0 ? key.AsSpan() : key.AsSpan(0, plus);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"Grain key '{key}' is not an integer key");
    }

    public static Guid ToGuid(string key, out string? extension)
    {
        var plus = key.IndexOf(ExtensionSeparator, StringComparison.Ordinal);
        extension = plus < 0 ? null : key[(plus + 1)..];
        var text = plus < 0 ? key.AsSpan() : key.AsSpan(0, plus);
        return Guid.TryParseExact(text, "N", out var value)
            ? value
            : throw new InvalidOperationException($"Grain key '{key}' is not a Guid key");
    }
}
