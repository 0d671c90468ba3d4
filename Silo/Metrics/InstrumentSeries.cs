using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace DistInfer.Silo.Metrics;

/// <summary>The accumulated values of one bridged instrument, per distinct tag set.</summary>
internal sealed class InstrumentSeries
{
    private readonly ConcurrentDictionary<string, Point> _points = new(StringComparer.Ordinal);
    private readonly Kind _kind;
    private readonly string _help;

    public InstrumentSeries(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        _kind = generic == typeof(Counter<>) ? Kind.Counter
            : generic == typeof(ObservableCounter<>) ? Kind.ObservableCounter
            : generic == typeof(Histogram<>) ? Kind.Histogram
            : generic == typeof(UpDownCounter<>) ? Kind.UpDownCounter
            : Kind.Gauge;
        var name = PrometheusWriter.SanitizeName(instrument.Name.ToLowerInvariant());
        name = name.StartsWith("distinfer_", StringComparison.Ordinal) ? name : "distinfer_" + name;
        // Prometheus names carry their base unit; the runtime records durations in seconds (unit "s").
        if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
        {
            name += "_seconds";
        }

        if (_kind is Kind.Counter or Kind.ObservableCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        Name = name;
        _help = string.IsNullOrEmpty(instrument.Description) ? $"{instrument.Name} (Meter {instrument.Meter.Name})" : instrument.Description;
    }

    private enum Kind
    {
        Counter,
        ObservableCounter,
        UpDownCounter,
        Gauge,
        Histogram,
    }

    public string Name { get; }

    /// <summary>Observable instruments report current values: forget the last scrape's before observing.</summary>
    public void BeginObservation()
    {
        if (_kind is Kind.ObservableCounter or Kind.Gauge)
        {
            foreach (var p in _points.Values)
            {
                p.Seen = false;
            }
        }
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = Key(tags, out var labels);
        var point = _points.GetOrAdd(key, _ => new Point(labels));
        lock (point)
        {
            switch (_kind)
            {
                case Kind.Counter or Kind.UpDownCounter:
                    point.Value += value;
                    break;
                case Kind.Histogram:
                    point.Value += value;
                    point.Count++;
                    break;
                default:
                    point.Value = value;
                    break;
            }

            point.Seen = true;
        }
    }

    public void Write(PrometheusWriter writer)
    {
        var type = _kind switch
        {
            Kind.Counter or Kind.ObservableCounter => "counter",
            Kind.Histogram => "summary",
            _ => "gauge",
        };
        writer.Family(Name, type, _help);
        foreach (var p in _points.Values)
        {
            lock (p)
            {
                if (_kind == Kind.Histogram)
                {
                    writer.Sample(Name + "_sum", p.Value, p.Labels);
                    writer.Sample(Name + "_count", p.Count, p.Labels);
                }
                else if (p.Seen || _kind is Kind.Counter or Kind.UpDownCounter)
                {
                    writer.Sample(Name, p.Value, p.Labels);
                }
            }
        }
    }

    private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags, out KeyValuePair<string, string>[] labels)
    {
        if (tags.IsEmpty)
        {
            labels = [];
            return "";
        }

        labels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            var value = Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "";
            labels[i] = new(PrometheusWriter.SanitizeName(tags[i].Key), value);
        }

        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var key = new StringBuilder();
        foreach (var (k, v) in labels)
        {
            key.Append(k).Append('\u0001').Append(v).Append('\u0002');
        }

        return key.ToString();
    }

    private sealed class Point(KeyValuePair<string, string>[] labels)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;
        public double Value { get; set; }
        public long Count { get; set; }
        public bool Seen { get; set; }
    }
}
