using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// Deterministic uniform fill for random checkpoints: every <see cref="ChunkElements"/>-element chunk of a tensor
/// has its own four-lane xoshiro256** stream seeded by splitmix64 from (tensor seed, chunk index), so the output
/// does not depend on thread count, chunking or hardware (Vector256 has a software fallback).
/// </summary>
internal static class RandomFill
{
    public const int ChunkElements = 1 << 20;

    private const int BlockElements = 1024;

    /// <summary>A 64-bit seed for one tensor: splitmix64 of the model seed mixed with FNV-1a of the name.</summary>
    public static ulong TensorSeed(ulong modelSeed, string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        ulong state = modelSeed ^ hash;
        return SplitMix64(ref state);
    }

    /// <summary>
    /// Fills <paramref name="destination"/>, which holds elements starting at <paramref name="firstElement"/>
    /// (a multiple of <see cref="ChunkElements"/>), with values uniform in [-bound, bound), in parallel over chunks.
    /// </summary>
    public static void Uniform(Memory<byte> destination, DType dtype, ulong tensorSeed, long firstElement, float bound)
    {
        if (firstElement % ChunkElements != 0)
        {
            throw new ArgumentException("fill must start on a chunk boundary", nameof(firstElement));
        }

        int size = dtype.SizeInBytes();
        long elements = destination.Length / size;
        int chunks = (int)((elements + ChunkElements - 1) / ChunkElements);
        long firstChunk = firstElement / ChunkElements;
        Parallel.For(0, chunks, k =>
        {
            int start = k * ChunkElements;
            int count = (int)Math.Min(ChunkElements, elements - start);
            var span = destination.Span.Slice(start * size, count * size);
            UniformChunk(span, dtype, tensorSeed, firstChunk + k, bound);
        });
    }

    /// <summary>Fills with 1.0 (norm weights).</summary>
    public static void Ones(Span<byte> destination, DType dtype)
    {
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(destination).Fill(1f);
                break;
            case DType.BF16:
                MemoryMarshal.Cast<byte, ushort>(destination).Fill(0x3F80);
                break;
            case DType.F16:
                MemoryMarshal.Cast<byte, Half>(destination).Fill(Half.One);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "random checkpoints hold floating-point tensors");
        }
    }

    private static void UniformChunk(Span<byte> destination, DType dtype, ulong tensorSeed, long chunk, float bound)
    {
        ulong mix = tensorSeed ^ (0x9E3779B97F4A7C15UL * (ulong)(chunk + 1));
        var s0 = Vector256.Create(SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix));
        var s1 = Vector256.Create(SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix));
        var s2 = Vector256.Create(SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix));
        var s3 = Vector256.Create(SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix), SplitMix64(ref mix));

        // 24 random bits per value, mapped to [-bound, bound).
        var scale = Vector256.Create(2f * bound / (1 << 24));
        var offset = Vector256.Create(-bound);
        Span<float> block = stackalloc float[BlockElements];
        ref float blockRef = ref MemoryMarshal.GetReference(block);
        int size = dtype.SizeInBytes();
        int elements = destination.Length / size;
        for (int done = 0; done < elements; done += BlockElements)
        {
            for (int i = 0; i < BlockElements; i += Vector256<float>.Count)
            {
                var result = RotateLeft(s1 + Vector256.ShiftLeft(s1, 2), 7);
                result += Vector256.ShiftLeft(result, 3);
                var t = Vector256.ShiftLeft(s1, 17);
                s2 ^= s0;
                s3 ^= s1;
                s1 ^= s2;
                s0 ^= s3;
                s2 ^= t;
                s3 = RotateLeft(s3, 45);

                var bits = Vector256.ShiftRightLogical(result.AsUInt32(), 8).AsInt32();
                var values = Vector256.ConvertToSingle(bits) * scale + offset;
                values.StoreUnsafe(ref blockRef, (nuint)i);
            }

            int n = Math.Min(BlockElements, elements - done);
            var target = destination.Slice(done * size, n * size);
            var source = block[..n];
            switch (dtype)
            {
                case DType.F32:
                    source.CopyTo(MemoryMarshal.Cast<byte, float>(target));
                    break;
                case DType.BF16:
                    ElementConversion.SingleToBFloat16(source, MemoryMarshal.Cast<byte, ushort>(target));
                    break;
                case DType.F16:
                    ElementConversion.SingleToHalf(source, MemoryMarshal.Cast<byte, Half>(target));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "random checkpoints hold floating-point tensors");
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> RotateLeft(Vector256<ulong> x, int k) =>
        Vector256.ShiftLeft(x, k) | Vector256.ShiftRightLogical(x, 64 - k);

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
