using System.Collections.Concurrent;
using System.Text;

namespace DistInfer.Runtime;

/// <summary>Interns grain type strings so GrainId equality mostly hits the reference-equality fast path.</summary>
public static class GrainTypeNames
{
    private const int MaxStackChars = 256;
    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string Intern(string name) => Names.GetOrAdd(name, name);

    /// <summary>The interned name for UTF-8 bytes off the wire; allocates only the first time a name is seen.</summary>
    public static string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length <= MaxStackChars)
        {
            Span<char> chars = stackalloc char[MaxStackChars];
            var count = Encoding.UTF8.GetChars(utf8, chars);
            if (ByChars.TryGetValue(chars[..count], out var known))
            {
                return known;
            }
        }

        return Intern(Encoding.UTF8.GetString(utf8));
    }
}
