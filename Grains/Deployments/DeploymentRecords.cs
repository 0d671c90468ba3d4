namespace DistInfer.Grains.Deployments;

/// <summary>
/// A silo's copies of deployment records (a singleton, so they outlive the per-silo grain's idle collection).
/// Newer means a higher replica set version, then a later deployment time.
/// </summary>
public sealed class DeploymentRecords
{
    private readonly Dictionary<string, DeploymentInfo> _records = new(StringComparer.Ordinal);

    public void Save(DeploymentInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        lock (_records)
        {
            if (!_records.TryGetValue(info.Name, out var held) || !IsNewer(held, info))
            {
                _records[info.Name] = info;
            }
        }
    }

    public DeploymentInfo? Find(string model)
    {
        lock (_records)
        {
            return _records.TryGetValue(model, out var info) ? info : null;
        }
    }

    /// <summary>Every record held, undeployments' included (a silo handing its copies on must pass those on too).</summary>
    public List<DeploymentInfo> All()
    {
        lock (_records)
        {
            return [.. _records.Values];
        }
    }

    /// <summary>Records of models deployed now (not undeployed).</summary>
    public List<DeploymentInfo> Deployed()
    {
        lock (_records)
        {
            var deployed = new List<DeploymentInfo>(_records.Count);
            foreach (var info in _records.Values)
            {
                if (!info.Retired)
                {
                    deployed.Add(info);
                }
            }

            return deployed;
        }
    }

    /// <summary>Whether <paramref name="a"/> is strictly newer than <paramref name="b"/>.</summary>
    public static bool IsNewer(DeploymentInfo a, DeploymentInfo b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.ReplicaSetVersion != b.ReplicaSetVersion
            ? a.ReplicaSetVersion > b.ReplicaSetVersion
            : a.DeployedUtc > b.DeployedUtc;
    }
}
