namespace DistInfer.Engine.Checkpoints;

/// <summary>Opens a checkpoint from a model directory, an index file or a single .safetensors file.</summary>
public static class Checkpoint
{
    public const string SingleFileName = "model.safetensors";

    /// <summary>
    /// A directory uses model.safetensors.index.json when present, else model.safetensors; a file path is opened
    /// as an index (*.json) or as one safetensors file.
    /// </summary>
    public static ITensorSource Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            string index = Path.Combine(path, SafeTensorsWriter.IndexFileName);
            if (File.Exists(index))
            {
                return ShardedCheckpoint.Open(index);
            }

            string single = Path.Combine(path, SingleFileName);
            if (File.Exists(single))
            {
                return SafeTensorsFile.Open(single);
            }

            throw new CheckpointException($"no {SingleFileName} or {SafeTensorsWriter.IndexFileName} in {path}");
        }

        if (File.Exists(path))
        {
            return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                ? ShardedCheckpoint.Open(path)
                : SafeTensorsFile.Open(path);
        }

        throw new CheckpointException($"checkpoint path {path} does not exist");
    }
}
