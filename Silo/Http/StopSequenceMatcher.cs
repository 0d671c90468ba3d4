using System.Text;

namespace DistInfer.Silo.Http;

/// <summary>
/// Finds stop sequences in streamed text. Text that could still be the start of a stop sequence is held back
/// until the next piece shows whether it is; the stop sequence itself is never emitted.
/// </summary>
internal sealed class StopSequenceMatcher(IReadOnlyList<string> stops)
{
    private readonly StringBuilder _pending = new();

    /// <summary>Adds generated text; returns what may be emitted now. <paramref name="stopped"/>: a stop sequence was found.</summary>
    public string Push(string text, out bool stopped)
    {
        stopped = false;
        if (stops.Count == 0)
        {
            return text;
        }

        _pending.Append(text);
        var s = _pending.ToString();
        var earliest = -1;
        foreach (var stop in stops)
        {
            var at = s.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest))
            {
                earliest = at;
            }
        }

        if (earliest >= 0)
        {
            stopped = true;
            _pending.Clear();
            return s[..earliest];
        }

        var hold = 0;
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, s.Length); k > hold; k--)
            {
                if (s.AsSpan(s.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }

        _pending.Clear().Append(s, s.Length - hold, hold);
        return s[..^hold];
    }

    /// <summary>The generation ended without a stop sequence: the held-back text is output after all.</summary>
    public string Flush()
    {
        var s = _pending.ToString();
        _pending.Clear();
        return s;
    }
}
