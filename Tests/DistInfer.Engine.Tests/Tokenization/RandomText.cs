using System.Text;

namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>Seeded random text mixing the character classes the pre-tokenizer distinguishes.</summary>
internal static class RandomText
{
    private static readonly string[] Fragments =
    [
        " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "\u2028", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S",
        "don't", "a", "Z", "é", "ß", "Ж", "中文", "日本語", "12", "٣", "Ⅻ", "½", ".", ",", "!?", "--", "#", "\u0301",
        "—", "‘", "🚀", "🔥", "𝐀", "𝟙", "<|", "|>", "<|endoftext|>", "<|pad|>", "hello", " world", "x**2", "https://",
    ];

    /// <summary>Fragments glued together: realistic runs such as " world" next to odd ones.</summary>
    public static string Mixed(Random random, int fragments)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < fragments; i++)
        {
            builder.Append(Fragments[random.Next(Fragments.Length)]);
        }

        return builder.ToString();
    }

    /// <summary>Random valid Unicode scalars (no lone surrogates) from all planes, weighted towards the BMP.</summary>
    public static string Scalars(Random random, int length, bool bmpOnly = false)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var pick = random.Next(10);
            var codePoint = pick switch
            {
                < 4 => random.Next(0x20, 0x7F),
                4 => random.Next(0, 0x20),
                5 => random.Next(0x80, 0x800),
                6 or 7 => random.Next(0x800, 0x10000),
                _ => bmpOnly ? random.Next(0x3000, 0x3100) : random.Next(0x10000, 0x110000),
            };
            if (codePoint is >= 0xD800 and <= 0xDFFF)
            {
                codePoint = 'x';
            }

            builder.Append(char.ConvertFromUtf32(codePoint));
        }

        return builder.ToString();
    }
}
