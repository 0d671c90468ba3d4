using System.Diagnostics.Metrics;

namespace DistInfer.Runtime.Membership;

/// <summary>Membership instruments on the runtime's "DistInfer" meter.</summary>
internal static class MembershipMetrics
{
    public const string MeterName = "DistInfer";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Silo status changes seen in published snapshots (tag "status": the new status).</summary>
    public static readonly Counter<long> StatusChanges = Meter.CreateCounter<long>("distinfer.membership.status_changes", description: "Silo status changes observed");

    public static readonly Counter<long> MissedProbes = Meter.CreateCounter<long>("distinfer.membership.missed_probes", description: "Probes that got no answer in time");

    public static readonly Counter<long> Votes = Meter.CreateCounter<long>("distinfer.membership.votes", description: "Suspicion votes written");

    public static readonly Counter<long> DeathDeclarations = Meter.CreateCounter<long>("distinfer.membership.death_declarations", description: "Silos this silo declared dead");

    public static readonly Counter<long> WriteConflicts = Meter.CreateCounter<long>("distinfer.membership.write_conflicts", description: "Compare-and-swap writes that lost a race");
}
