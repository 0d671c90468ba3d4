namespace DistInfer.Engine.Checkpoints;

/// <summary>What <see cref="RandomCheckpoint.Write"/> produced.</summary>
/// <param name="Files">File names written in the directory (config.json, then the safetensors file(s) and index).</param>
public sealed record RandomCheckpointResult(string Directory, long Parameters, long TensorBytes, int TensorCount,
    IReadOnlyList<string> Files);
