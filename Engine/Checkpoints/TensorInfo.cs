using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>One tensor's entry in a checkpoint: dtype, shape and where its bytes are.</summary>
/// <param name="DataOffset">Offset of the first byte relative to the start of the data section.</param>
public sealed record TensorInfo(string Name, DType DType, IReadOnlyList<long> Shape, long DataOffset, long ByteLength)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }
}
