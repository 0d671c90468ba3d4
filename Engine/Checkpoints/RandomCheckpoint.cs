using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Writes a random checkpoint directory in Hugging Face layout (config.json + model.safetensors, or shards with an
/// index when larger than <see cref="ModelInitOptions.MaxShardBytes"/>) for llama, mixtral, qwen2_moe, qwen3_moe
/// and olmoe. Norm weights are 1.0; every other tensor (biases included) is uniform with std
/// <see cref="ModelInitOptions.InitStd"/>, a function of (seed, tensor name, element index) only. Values are
/// generated straight into the write buffer chunk by chunk, in parallel, so memory stays at one chunk.
/// </summary>
public static class RandomCheckpoint
{
    public const string ConfigFileName = "config.json";

    /// <summary>The supported architectures (Hugging Face model_type values).</summary>
    public static IReadOnlyList<string> Architectures => RandomCheckpointLayout.Architectures;

    /// <summary>The tensors a checkpoint for <paramref name="options"/> holds, in state-dict order.</summary>
    public static IReadOnlyList<TensorSpec> Tensors(ModelInitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RandomCheckpointLayout.Validate(options);
        return RandomCheckpointLayout.Build(options).ConvertAll(t => t.Spec);
    }

    public static RandomCheckpointResult Write(string directory, ModelInitOptions options)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        RandomCheckpointLayout.Validate(options);
        var layout = RandomCheckpointLayout.Build(options);
        var specs = layout.ConvertAll(t => t.Spec);
        var norms = new HashSet<string>(StringComparer.Ordinal);
        long parameters = 0;
        long bytes = 0;
        foreach (var (spec, isNorm) in layout)
        {
            if (isNorm)
            {
                norms.Add(spec.Name);
            }

            parameters += spec.ElementCount;
            bytes += spec.ByteLength;
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"cannot create model directory {directory} ({e.Message})", e);
        }

        // Uniform on [-b, b) has std b / sqrt(3).
        float bound = (float)(options.InitStd * Math.Sqrt(3.0));
        int elementSize = options.DType.SizeInBytes();
        TensorChunkFiller fill = (spec, byteOffset, destination) =>
        {
            if (norms.Contains(spec.Name))
            {
                RandomFill.Ones(destination.Span, spec.DType);
                return;
            }

            ulong seed = RandomFill.TensorSeed(options.Seed, spec.Name);
            RandomFill.Uniform(destination, spec.DType, seed, byteOffset / elementSize, bound);
        };

        var files = new List<string> { ConfigFileName };
        HfConfigWriter.Write(Path.Combine(directory, ConfigFileName), options);
        string single = Path.Combine(directory, Checkpoint.SingleFileName);
        string index = Path.Combine(directory, SafeTensorsWriter.IndexFileName);
        if (bytes <= options.MaxShardBytes)
        {
            // A stale index would shadow the new single file in Checkpoint.Open.
            File.Delete(index);
            SafeTensorsWriter.Write(single, specs, fill);
            files.Add(Checkpoint.SingleFileName);
        }
        else
        {
            File.Delete(single);
            files.AddRange(SafeTensorsWriter.WriteSharded(directory, specs, fill, options.MaxShardBytes));
            files.Add(SafeTensorsWriter.IndexFileName);
        }

        return new RandomCheckpointResult(directory, parameters, bytes, specs.Count, files);
    }
}
