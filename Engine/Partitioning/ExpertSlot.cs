namespace DistInfer.Engine.Partitioning;

/// <summary>One replica of an expert placed on a silo (by index into the silo list given to the balancer).</summary>
public sealed record ExpertSlot(int Expert, int Replica, int Silo, double ExpectedLoad);
