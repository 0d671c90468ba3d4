using System.Globalization;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// Builds and reads the key-values a silo publishes in <see cref="MembershipEntry.Metadata"/> (keys in
/// <see cref="SiloMetadataKeys"/>). Use <see cref="Collect"/> as (part of) the agent's metadata provider; placement
/// reads numbers back with <see cref="TryGetInt64"/> and accelerators with <see cref="GetAccelerators"/>.
/// </summary>
public static class SiloMetadata
{
    /// <summary>
    /// CPU count, memory total/available of this process' view of the machine, the given accelerators and custom
    /// key-values (which win over the built-in ones on a clash).
    /// </summary>
    public static Dictionary<string, string> Collect(
        IReadOnlyList<AcceleratorMetadata>? accelerators = null,
        IReadOnlyDictionary<string, string>? custom = null,
        long? activationCount = null)
    {
        var memory = GC.GetGCMemoryInfo();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SiloMetadataKeys.CpuCount] = Text(Environment.ProcessorCount),
            [SiloMetadataKeys.MemoryTotalBytes] = Text(memory.TotalAvailableMemoryBytes),
            [SiloMetadataKeys.MemoryAvailableBytes] = Text(Math.Max(0, memory.TotalAvailableMemoryBytes - memory.MemoryLoadBytes)),
        };
        if (activationCount is { } activations)
        {
            metadata[SiloMetadataKeys.ActivationCount] = Text(activations);
        }

        if (accelerators is not null)
        {
            metadata[SiloMetadataKeys.AcceleratorCount] = Text(accelerators.Count);
            for (var i = 0; i < accelerators.Count; i++)
            {
                metadata[SiloMetadataKeys.Accelerator(i, "name")] = accelerators[i].Name;
                metadata[SiloMetadataKeys.Accelerator(i, "memory.total")] = Text(accelerators[i].MemoryTotalBytes);
                metadata[SiloMetadataKeys.Accelerator(i, "memory.free")] = Text(accelerators[i].MemoryFreeBytes);
            }
        }

        if (custom is not null)
        {
            foreach (var (key, value) in custom)
            {
                metadata[key] = value;
            }
        }

        return metadata;
    }

    public static bool TryGetInt64(IReadOnlyDictionary<string, string> metadata, string key, out long value)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        value = 0;
        return metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The accelerators a silo published; entries with missing or malformed keys are skipped.</summary>
    public static IReadOnlyList<AcceleratorMetadata> GetAccelerators(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!TryGetInt64(metadata, SiloMetadataKeys.AcceleratorCount, out var count) || count <= 0)
        {
            return [];
        }

        var accelerators = new List<AcceleratorMetadata>((int)Math.Min(count, 64));
        for (var i = 0; i < count; i++)
        {
            if (metadata.TryGetValue(SiloMetadataKeys.Accelerator(i, "name"), out var name)
                && TryGetInt64(metadata, SiloMetadataKeys.Accelerator(i, "memory.total"), out var total)
                && TryGetInt64(metadata, SiloMetadataKeys.Accelerator(i, "memory.free"), out var free))
            {
                accelerators.Add(new AcceleratorMetadata(name, total, free));
            }
        }

        return accelerators;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
