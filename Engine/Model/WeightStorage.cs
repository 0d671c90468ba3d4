namespace DistInfer.Engine.Model;

/// <summary>How linear weights and the embedding are held in memory.</summary>
public enum WeightStorage
{
    /// <summary>As the checkpoint stores them: bf16 tensors stay bf16 (half the memory), others become fp32.</summary>
    Checkpoint,

    /// <summary>Everything widened to fp32 at load (for comparison; the same results, twice the bytes for bf16).</summary>
    Float32,
}
