namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Read access to the tensors of a checkpoint (one safetensors file or a sharded set). Bytes come straight from
/// a memory map; conversions to fp32 write into the caller's buffer, so nothing is copied twice.
/// Every failure is a <see cref="CheckpointException"/> naming the file and the tensor.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>Where the tensors come from (a file or index path), for messages.</summary>
    string Description { get; }

    IReadOnlyCollection<string> Names { get; }

    bool TryGetInfo(string name, out TensorInfo info);

    /// <summary>The tensor's entry; throws <see cref="CheckpointException"/> when it is missing.</summary>
    TensorInfo GetInfo(string name);

    /// <summary>The tensor's raw little-endian bytes, viewed in the memory map (valid until Dispose).</summary>
    ReadOnlySpan<byte> GetBytes(string name);

    /// <summary>Converts F32, F16, BF16, I32 or I64 elements to fp32 into <paramref name="destination"/>.</summary>
    void ReadFloat32(string name, Span<float> destination);

    float[] ReadFloat32(string name);

    /// <summary>Reads an I64 or I32 tensor as 64-bit integers.</summary>
    long[] ReadInt64(string name);
}
