namespace DistInfer.Runtime.Cluster;

/// <summary>One accelerator (GPU) of a silo, as published through membership.</summary>
public sealed record AcceleratorInfo(string Name, long MemoryTotalBytes, long MemoryFreeBytes);
