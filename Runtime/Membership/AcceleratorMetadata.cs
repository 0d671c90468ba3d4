namespace DistInfer.Runtime.Membership;

/// <summary>One accelerator of a silo as published in its membership metadata.</summary>
public sealed record AcceleratorMetadata(string Name, long MemoryTotalBytes, long MemoryFreeBytes);
