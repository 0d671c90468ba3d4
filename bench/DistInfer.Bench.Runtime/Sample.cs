namespace DistInfer.Bench.Runtime;

/// <summary>One round of one case: calls per second, process CPU and allocated bytes per call, GCs, latency.</summary>
public sealed record Sample(double Rate, double CpuMicroseconds, double AllocatedBytes, int Gen0, int Gen2, double P50, double P99);
