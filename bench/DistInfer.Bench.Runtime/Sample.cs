namespace DistInfer.Bench.Runtime;

/// <summary>
/// One round of one case: calls per second, process CPU and allocated bytes per call, GCs, latency, and the runtime's
/// frames per socket send and receive (NaN when the case used no runtime connection), thread-pool work items per call.
/// </summary>
public sealed record Sample(double Rate, double CpuMicroseconds, double AllocatedBytes, int Gen0, int Gen2, double P50, double P99, double FramesPerSend, double FramesPerReceive, double WorkItems);
