using DistInfer.Engine;
using DistInfer.Grains.Placement;

namespace DistInfer.Grains.Balancing;

/// <summary>
/// The replica set after silos left: every replica pinned to a silo that is no longer live is replaced by a new
/// replica (a new number, so a new grain) pinned where <see cref="ExpertReplacement"/> puts it, a live silo holding
/// no other replica of its expert, which is where placement reactivates the old one too. A replica no live silo is
/// free for (fewer live silos than the expert has replicas) is dropped; its expert keeps one replica per live silo
/// until a join's rebalance raises it to the deployed count again. Replicas on live silos are not touched, and no
/// load is looked at: this is a repair, not a rebalance.
/// </summary>
public static class ExpertRepairPlanner
{
    /// <param name="model">Model name (key prefix).</param>
    /// <param name="current">The committed replica set.</param>
    /// <param name="silos">Pins of the live silos hosting experts, best-ranked first.</param>
    /// <returns>The repaired set; balancedness is not measured (both values 0).</returns>
    public static RebalancePlan Plan(string model, IReadOnlyList<ExpertReplicaInfo> current, IReadOnlyList<string> silos)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(silos);
        if (silos.Count == 0)
        {
            throw new DistInferException("no active silo hosts expert grains; nothing to repair onto");
        }

        var moves = new Dictionary<string, string?>(StringComparer.Ordinal);
        var nextId = new Dictionary<(int Layer, int Expert), int>();
        foreach (var expert in current.GroupBy(r => (r.Layer, r.Expert)))
        {
            nextId[expert.Key] = expert.Max(r => r.Replica) + 1;
            foreach (var (key, pin) in ExpertReplacement.Assign(expert, silos))
            {
                moves[key] = pin;
            }
        }

        var replicas = new List<ExpertReplicaInfo>(current.Count);
        var added = new List<ExpertReplicaInfo>();
        var removed = new List<ExpertReplicaInfo>();
        foreach (var replica in current)
        {
            if (!moves.TryGetValue(replica.Key, out var pin))
            {
                replicas.Add(replica);
                continue;
            }

            removed.Add(replica);
            if (pin is null)
            {
                continue;
            }

            var id = nextId[(replica.Layer, replica.Expert)]++;
            var fresh = new ExpertReplicaInfo
            {
                Layer = replica.Layer,
                Expert = replica.Expert,
                Replica = id,
                Pin = pin,
                Key = new ExpertKey(model, replica.Layer, replica.Expert, id, pin).ToString(),
            };
            replicas.Add(fresh);
            added.Add(fresh);
        }

        return new RebalancePlan(replicas, added, removed, 0, 0);
    }
}
