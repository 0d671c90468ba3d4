namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Fills <paramref name="destination"/> with bytes [<paramref name="byteOffset"/>, byteOffset + destination.Length)
/// of tensor <paramref name="tensor"/>; the writer calls it in order, in chunks that are multiples of
/// <see cref="SafeTensorsWriter.ChunkBytes"/> except the last of each tensor.
/// </summary>
public delegate void TensorChunkFiller(TensorSpec tensor, long byteOffset, Memory<byte> destination);
