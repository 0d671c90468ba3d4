namespace DistInfer.Engine.Tokenization;

/// <summary>
/// Cuts text into added tokens and the plain text between them, as the tokenizers library does: tokens with
/// normalized=false are found first in the whole text, then normalized ones in the gaps (there is no normalizer,
/// so normalized text equals the input).
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly AddedTokenMatcher? _raw;
    private readonly AddedTokenMatcher? _normalized;

    public AddedTokenSplitter(IReadOnlyList<AddedToken> tokens)
    {
        var raw = new List<AddedToken>();
        var normalized = new List<AddedToken>();
        foreach (var token in tokens)
        {
            (token.Normalized ? normalized : raw).Add(token);
        }

        _raw = raw.Count > 0 ? new AddedTokenMatcher(raw) : null;
        _normalized = normalized.Count > 0 ? new AddedTokenMatcher(normalized) : null;
    }

    public void Split(ReadOnlySpan<char> text, List<TextSegment> output)
    {
        var pos = 0;
        if (_raw is not null)
        {
            while (pos < text.Length && _raw.FindNext(text, pos, out var start, out var end, out var token))
            {
                AddGap(text, pos, start, output);
                output.Add(new TextSegment(start, end - start, token.Id));
                pos = end;
            }
        }

        AddGap(text, pos, text.Length, output);
    }

    private void AddGap(ReadOnlySpan<char> text, int from, int to, List<TextSegment> output)
    {
        if (to <= from)
        {
            return;
        }

        var pos = from;
        if (_normalized is not null)
        {
            var gap = text[..to];
            while (pos < to && _normalized.FindNext(gap, pos, out var start, out var end, out var token))
            {
                if (start > pos)
                {
                    output.Add(new TextSegment(pos, start - pos, -1));
                }

                output.Add(new TextSegment(start, end - start, token.Id));
                pos = end;
            }
        }

        if (to > pos)
        {
            output.Add(new TextSegment(pos, to - pos, -1));
        }
    }
}
