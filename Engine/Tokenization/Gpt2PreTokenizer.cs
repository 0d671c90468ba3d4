using System.Globalization;

namespace DistInfer.Engine.Tokenization;

/// <summary>
/// The GPT-2 pre-tokenization split used by the ByteLevel pre-tokenizer, written as a scanner over code points
/// instead of a regex so encoding does not pay for the regex engine (and so letters outside the BMP are letters).
/// Equivalent to the leftmost-first alternation
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// </summary>
internal static class Gpt2PreTokenizer
{
    private const byte Other = 0;
    private const byte Letter = 1;
    private const byte Number = 2;
    private const byte Space = 3;

    private static readonly byte[] AsciiClass = BuildAsciiClass();

    /// <summary>End (exclusive) of the piece that starts at <paramref name="start"/>.</summary>
    public static int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        var c = text[start];
        if (c == '\'')
        {
            var contraction = ContractionLength(text, start);
            if (contraction > 0)
            {
                return start + contraction;
            }
        }

        var cls = Classify(text, start, out var width);
        if (c == ' ' && start + 1 < text.Length)
        {
            // " ?X+" alternatives: a single leading ASCII space joins a following non-space run.
            var next = Classify(text, start + 1, out var nextWidth);
            if (next != Space)
            {
                return RunEnd(text, start + 1 + nextWidth, next);
            }
        }

        if (cls != Space)
        {
            return RunEnd(text, start + width, cls);
        }

        var end = RunEnd(text, start + width, Space);
        if (end == text.Length)
        {
            return end;
        }

        // "\s+(?!\S)" gives the last space of the run to the next piece ("  word" -> " ", " word"); a run of one
        // falls through to "\s+". Every White_Space character is in the BMP, so the last one is one UTF-16 unit.
        return end - 1 > start ? end - 1 : end;
    }

    private static int RunEnd(ReadOnlySpan<char> text, int i, byte cls)
    {
        while (i < text.Length && Classify(text, i, out var width) == cls)
        {
            i += width;
        }

        return i;
    }

    private static int ContractionLength(ReadOnlySpan<char> text, int start)
    {
        if (start + 1 >= text.Length)
        {
            return 0;
        }

        var a = text[start + 1];
        if (a is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }

        if (start + 2 >= text.Length)
        {
            return 0;
        }

        var b = text[start + 2];
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 3 : 0;
    }

    private static byte Classify(ReadOnlySpan<char> text, int i, out int width)
    {
        var c = text[i];
        width = 1;
        if (c < 128)
        {
            return AsciiClass[c];
        }

        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            width = 2;
            return FromCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])));
        }

        if (char.IsWhiteSpace(c))
        {
            return Space;
        }

        // A lone surrogate has category Cs, so it is Other (it is encoded as U+FFFD, also Other).
        return FromCategory(CharUnicodeInfo.GetUnicodeCategory(c));
    }

    private static byte FromCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
        _ => Other,
    };

    private static byte[] BuildAsciiClass()
    {
        var table = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            table[c] = char.IsWhiteSpace((char)c) ? Space
                : char.IsAsciiLetter((char)c) ? Letter
                : char.IsAsciiDigit((char)c) ? Number
                : Other;
        }

        return table;
    }
}
