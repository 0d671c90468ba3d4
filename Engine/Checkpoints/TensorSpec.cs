using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>A tensor to be written whose bytes are produced later, chunk by chunk (see <see cref="SafeTensorsWriter"/>).</summary>
public sealed record TensorSpec(string Name, DType DType, long[] Shape)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape)
            {
                n = checked(n * d);
            }

            return n;
        }
    }

    public long ByteLength => checked(ElementCount * DType.SizeInBytes());
}
