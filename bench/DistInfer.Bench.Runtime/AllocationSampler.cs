using System.Diagnostics.Tracing;

namespace DistInfer.Bench.Runtime;

/// <summary>
/// Samples allocations by type from the runtime's GCAllocationTick events (one per ~100 KB allocated), to see what a
/// call path allocates; enabled with DISTINFER_BENCH_ALLOCATIONS=1.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private readonly Dictionary<string, long> _bytes = [];
    private bool _enabled;

    public void Start() => _enabled = true;

    public IReadOnlyList<(string Type, long Bytes)> Stop()
    {
        _enabled = false;
        lock (_bytes)
        {
            var top = _bytes.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value)).Take(25).ToList();
            _bytes.Clear();
            return top;
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        var index = eventData.PayloadNames!.IndexOf("TypeName");
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (index < 0)
        {
            return;
        }

        var type = eventData.Payload[index] as string ?? "?";
        var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        lock (_bytes)
        {
            _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
        }
    }
}
