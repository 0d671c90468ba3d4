using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistInfer.Engine.Kernels;

/// <summary>
/// The horizontal sum of the dot kernels' lane accumulators in one fixed order: halving, lane i + W/2 added to lane i
/// until one lane is left. Written out rather than <see cref="Vector.Sum{T}(Vector{T})"/>, whose order is the
/// runtime's to choose: <see cref="InvariantBlockedGemm{TKernel}"/> sums whole tiles of lane accumulators the same
/// way (<see cref="SumTiles"/>) and must give the dot kernels' bits.
/// </summary>
internal static unsafe class LaneSum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector<float> v)
    {
        if (Vector<float>.Count == Vector512<float>.Count)
        {
            var x = v.AsVector512();
            return Sum256(x.GetLower() + x.GetUpper());
        }

        if (Vector<float>.Count == Vector256<float>.Count)
        {
            return Sum256(v.AsVector256());
        }

        if (Vector<float>.Count == Vector128<float>.Count)
        {
            return Sum128(v.AsVector128());
        }

        return SumAnyWidth(v);
    }

    /// <summary>
    /// Sums <paramref name="lanes"/> tiles of <paramref name="length"/> floats each (tile l at t + l·length) into the
    /// first, element by element in <see cref="Sum"/>'s order. <paramref name="lanes"/> is a power of two.
    /// </summary>
    public static void SumTiles(float* t, int lanes, int length)
    {
        for (var half = lanes / 2; half >= 1; half /= 2)
        {
            for (var l = 0; l < half; l++)
            {
                Add(t + (l * length), t + ((l + half) * length), length);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum256(Vector256<float> v) => Sum128(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum128(Vector128<float> v)
    {
        var h = v + Vector128.Shuffle(v, Vector128.Create(2, 3, 2, 3));
        return h.ToScalar() + h.GetElement(1);
    }

    private static float SumAnyWidth(Vector<float> v)
    {
        Span<float> lanes = stackalloc float[Vector<float>.Count];
        v.CopyTo(lanes);
        for (var half = lanes.Length / 2; half >= 1; half /= 2)
        {
            for (var l = 0; l < half; l++)
            {
                lanes[l] += lanes[l + half];
            }
        }

        return lanes[0];
    }

    /// <summary>dst[i] += src[i]: element-wise, so the vector width does not change any result.</summary>
    private static void Add(float* dst, float* src, int length)
    {
        var i = 0;
        for (; i + Vector<float>.Count <= length; i += Vector<float>.Count)
        {
            (Vector.Load(dst + i) + Vector.Load(src + i)).Store(dst + i);
        }

        for (; i < length; i++)
        {
            dst[i] += src[i];
        }
    }
}
