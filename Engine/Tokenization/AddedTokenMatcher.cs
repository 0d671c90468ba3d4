using System.Buffers;

namespace DistInfer.Engine.Tokenization;

/// <summary>Finds added tokens in text, leftmost first and longest among those starting at the same place.</summary>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<string> _values;
    private readonly AddedToken[] _longestFirst;

    public AddedTokenMatcher(IReadOnlyList<AddedToken> tokens)
    {
        var contents = new string[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            contents[i] = tokens[i].Content;
        }

        _values = SearchValues.Create(contents, StringComparison.Ordinal);
        _longestFirst = [.. tokens];
        Array.Sort(_longestFirst, static (a, b) => b.Content.Length.CompareTo(a.Content.Length));
    }

    /// <summary>
    /// Next match at or after <paramref name="from"/>; lstrip/rstrip widen it over adjacent whitespace, but never
    /// to the left of <paramref name="from"/> (the end of the previous match).
    /// </summary>
    public bool FindNext(ReadOnlySpan<char> text, int from, out int start, out int end, out AddedToken token)
    {
        var offset = text[from..].IndexOfAny(_values);
        if (offset < 0)
        {
            start = end = 0;
            token = null!;
            return false;
        }

        start = from + offset;
        token = _longestFirst[0];
        foreach (var candidate in _longestFirst)
        {
            if (text[start..].StartsWith(candidate.Content, StringComparison.Ordinal))
            {
                token = candidate;
                break;
            }
        }

        end = start + token.Content.Length;
        if (token.LStrip)
        {
            while (start > from && char.IsWhiteSpace(text[start - 1]))
            {
                start--;
            }
        }

        if (token.RStrip)
        {
            while (end < text.Length && char.IsWhiteSpace(text[end]))
            {
                end++;
            }
        }

        return true;
    }
}
