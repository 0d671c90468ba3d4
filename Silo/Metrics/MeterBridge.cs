using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace DistInfer.Silo.Metrics;

/// <summary>
/// Exposes every instrument of the runtime's Meter "DistInfer" as Prometheus series: counters as _total sums,
/// up-down counters and gauges as gauges, histograms as summaries of sum and count. Names are the instrument's,
/// sanitized and prefixed "distinfer_" unless they already are, with "_seconds" for instruments in seconds; tags
/// become labels. Observable instruments are
/// read at scrape time only.
/// </summary>
public sealed class MeterBridge : IMetricsSource, IDisposable
{
    public const string MeterName = "DistInfer";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _series = new();
    private readonly Lock _scrape = new();

    public MeterBridge()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName)
            {
                _series.TryAdd(instrument, new InstrumentSeries(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => _series.TryRemove(instrument, out var removed);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public ValueTask WriteAsync(PrometheusWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_scrape)
        {
            foreach (var s in _series.Values)
            {
                s.BeginObservation();
            }

            _listener.RecordObservableInstruments();
            foreach (var s in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                s.Write(writer);
            }
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, tags);
        }
    }
}
