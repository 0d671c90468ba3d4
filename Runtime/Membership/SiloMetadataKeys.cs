namespace DistInfer.Runtime.Membership;

/// <summary>Well-known <see cref="MembershipEntry.Metadata"/> keys; anything else is custom.</summary>
public static class SiloMetadataKeys
{
    public const string CpuCount = "cpu.count";
    public const string CpuUsagePercent = "cpu.usage";
    public const string MemoryTotalBytes = "memory.total";
    public const string MemoryAvailableBytes = "memory.available";

    /// <summary>The silo process's resident memory (the two above are the host's, shared by every silo on it).</summary>
    public const string ProcessMemoryBytes = "memory.process";
    public const string ActivationCount = "activations";

    /// <summary>The silo's wire protocol version (<see cref="Messaging.WireProtocol"/>).</summary>
    public const string WireProtocol = "wire.protocol";
    public const string RecentActivationCount = "activations.recent";

    /// <summary>Grain interfaces the silo hosts, full names joined with <see cref="ListSeparator"/>.</summary>
    public const string GrainInterfaces = "grain.interfaces";

    /// <summary>Separator of list values (a character no type name contains).</summary>
    public const char ListSeparator = ';';

    /// <summary>Number of accelerators; accelerator i has keys from <see cref="Accelerator"/>.</summary>
    public const string AcceleratorCount = "accelerator.count";

    /// <summary>Key of property <paramref name="property"/> ("name", "memory.total", "memory.free") of accelerator
    /// <paramref name="index"/>, e.g. "accelerator.0.memory.free".</summary>
    public static string Accelerator(int index, string property) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"accelerator.{index}.{property}");
}
