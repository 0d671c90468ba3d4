using System.Diagnostics.Metrics;

namespace DistInfer.Runtime;

/// <summary>The "DistInfer" meter: calls, latency, activations, messages and bytes.</summary>
public static class RuntimeMetrics
{
    public const string MeterName = "DistInfer";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("distinfer.grain.calls");
    private static readonly Counter<long> CallFailures = Meter.CreateCounter<long>("distinfer.grain.call_failures");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("distinfer.grain.call_duration", "s", "Grain call duration in seconds, caller to answer.");
    private static readonly UpDownCounter<long> Activations = Meter.CreateUpDownCounter<long>("distinfer.activations");
    private static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("distinfer.messages.sent");
    private static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("distinfer.messages.received");
    private static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("distinfer.bytes.sent", "By");
    private static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>("distinfer.bytes.received", "By");
    private static readonly Counter<long> MembershipChanges = Meter.CreateCounter<long>("distinfer.membership.changes");

    public static void RecordCall(TimeSpan elapsed, bool failed)
    {
        Calls.Add(1);
        if (failed)
        {
            CallFailures.Add(1);
        }

        if (Latency.Enabled)
        {
            Latency.Record(elapsed.TotalSeconds);
        }
    }

    public static void ActivationAdded() => Activations.Add(1);

    public static void ActivationRemoved() => Activations.Add(-1);

    public static void RecordSent(long bytes, int messages)
    {
        MessagesSent.Add(messages);
        BytesSent.Add(bytes);
    }

    public static void RecordReceived(long bytes)
    {
        MessagesReceived.Add(1);
        BytesReceived.Add(bytes);
    }

    public static void MembershipChanged() => MembershipChanges.Add(1);
}
