using System.Globalization;
using System.Text;

namespace DistInfer.Silo.Metrics;

/// <summary>Prometheus text exposition format 0.0.4: HELP/TYPE once per family, then samples.</summary>
public sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>Writes HELP and TYPE the first time <paramref name="name"/> is seen; false if it already was.</summary>
    public bool Family(string name, string type, string help)
    {
        if (!_families.Add(name))
        {
            return false;
        }

        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return true;
    }

    /// <summary>
    /// Adds what <paramref name="part"/> wrote (one source's output, written apart so a source that fails or hangs
    /// adds nothing); a family both declared keeps this writer's HELP and TYPE only.
    /// </summary>
    public void Append(PrometheusWriter part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var declared = new HashSet<string>(part._families.Where(_families.Contains), StringComparer.Ordinal);
        foreach (var line in part._text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var comment = line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal);
            if (!comment || !declared.Contains(line[7..].Split(' ', 2)[0]))
            {
                _text.Append(line).Append('\n');
            }
        }

        _families.UnionWith(part._families);
    }

    public void Sample(string name, double value, params ReadOnlySpan<KeyValuePair<string, string>> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i].Key).Append("=\"");
                EscapeLabel(labels[i].Value);
                _text.Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(Format(value)).Append('\n');
    }

    /// <summary>Writes _bucket (cumulative, with +Inf), _sum and _count of a histogram.</summary>
    public void Histogram(string name, HistogramSnapshot snapshot, params ReadOnlySpan<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var withLe = new KeyValuePair<string, string>[labels.Length + 1];
        labels.CopyTo(withLe);
        long cumulative = 0;
        for (var i = 0; i < snapshot.Bounds.Count; i++)
        {
            cumulative += snapshot.Counts[i];
            withLe[^1] = new("le", Format(snapshot.Bounds[i]));
            Sample(name + "_bucket", cumulative, withLe);
        }

        withLe[^1] = new("le", "+Inf");
        Sample(name + "_bucket", snapshot.Count, withLe);
        Sample(name + "_sum", snapshot.Sum, labels);
        Sample(name + "_count", snapshot.Count, labels);
    }

    public static KeyValuePair<string, string> Label(string name, string value) => new(name, value);

    /// <summary>A metric or label name made valid ([a-zA-Z_:][a-zA-Z0-9_:]*).</summary>
    public static string SanitizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && char.IsAsciiDigit(c));
            chars[i] = ok ? c : '_';
        }

        return chars.Length == 0 ? "_" : new string(chars);
    }

    public static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    public override string ToString() => _text.ToString();

    private void EscapeLabel(string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '"' => _text.Append("\\\""),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
