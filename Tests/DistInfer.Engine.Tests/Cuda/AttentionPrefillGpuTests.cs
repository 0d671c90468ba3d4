using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>
/// Prefill attention in blocks of several queries (AttentionPrefill.cuh): every query's output has the bits the
/// one-query kernel gives it, whether that kernel runs over the same step or over the query alone (a decode step),
/// and is near a double-precision reference. Three sequences of 37, 5 and 71 tokens after 20, 0 and 9 cached
/// positions: blocks of one sequence, blocks straddling two, and a part-filled last block.
/// </summary>
[Trait("Category", "Gpu")]
[Trait("Gpu", "Invariance")]
public sealed class AttentionPrefillGpuTests
{
    private const int MaxLen = 96;
    private static readonly (int Slot, int Start, int Count)[] Sequences = [(2, 20, 37), (0, 0, 5), (1, 9, 71)];

    [Theory]
    [InlineData(16, 4, 64, true)]
    [InlineData(16, 4, 64, false)]
    [InlineData(8, 8, 32, true)]
    [InlineData(4, 2, 128, true)]
    [InlineData(16, 2, 64, true)]
    public void Attention_PrefillBlocks_SameBitsAsOneQueryKernelAndAlone(int heads, int kvHeads, int headDim, bool invariant)
    {
        var device = GpuDevice.Require();
        using var stream = device.CreateStream();
        using var ops = new CudaOps(device, stream, bf16: true) { BatchInvariant = invariant };
        var rng = new Random(heads * 1000 + headDim);
        int width = heads * headDim, kvWidth = kvHeads * headDim;
        var slots = Sequences.SelectMany(s => Enumerable.Repeat(s.Slot, s.Count)).ToArray();
        var positions = Sequences.SelectMany(s => Enumerable.Range(s.Start, s.Count)).ToArray();
        int tokens = slots.Length;
        var q = Random(rng, tokens * width, 1f);
        var k = Random(rng, 3 * MaxLen * kvWidth, 1f);
        var v = Random(rng, 3 * MaxLen * kvWidth, 1f);
        using var dq = device.Allocate(q.Length * 4L);
        dq.Upload<float>(q);
        using var dk = UpBf16(device, k);
        using var dv = UpBf16(device, v);
        using var dSlots = device.Allocate(tokens * 4L);
        using var dPositions = device.Allocate(tokens * 4L);
        dSlots.Upload<int>(slots);
        dPositions.Upload<int>(positions);
        using var dOut = device.Allocate(tokens * width * 2L);

        int run = CudaOps.MeanQueryRun(slots);
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, MaxLen, 0, run);
        stream.Synchronize();
        int group = heads / kvHeads, g = group % 8 == 0 ? 8 : group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
        int npl = headDim <= 32 ? 1 : headDim <= 64 ? 2 : headDim <= 128 ? 4 : 8;
        Assert.Equal(CudaOps.PrefillQueries(g, npl), ops.LastAttentionQueries);
        Assert.True(ops.LastAttentionQueries > 1, "the step must take the prefill kernel");
        var blocked = dOut.Download<ushort>(tokens * width);

        ops.PrefillAttention = false;
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, MaxLen, 0, run);
        stream.Synchronize();
        Assert.Equal(1, ops.LastAttentionQueries);
        AssertSameBits(dOut.Download<ushort>(tokens * width), blocked, 0, tokens * width, "the one-query kernel over the step");

        if (invariant)
        {
            // Alone: what a decode step computes for the token (batch-invariant mode keeps the same warps).
            foreach (var t in new[] { 0, 3, 36, 37, 41, 42, 100, tokens - 1 })
            {
                ops.Attention(dq.Pointer + (nint)(t * width * 4L), dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer + (nint)(t * 4L),
                    dPositions.Pointer + (nint)(t * 4L), 1, heads, kvHeads, headDim, MaxLen, 0, 1);
                stream.Synchronize();
                AssertSameBits(dOut.Download<ushort>(width), blocked, t * width, width, $"token {t} alone");
            }
        }

        var reference = Reference(q, Bf16Values(k), Bf16Values(v), slots, positions, heads, kvHeads, headDim);
        var got = new float[blocked.Length];
        Bf16.ToFloat(blocked, got);
        for (int i = 0; i < got.Length; i++)
        {
            Assert.True(Math.Abs(got[i] - reference[i]) <= 1e-2 * (1 + Math.Abs(reference[i])), $"element {i}: {got[i]}, reference {reference[i]}");
        }
    }

    private static double[] Reference(float[] q, float[] k, float[] v, int[] slots, int[] positions, int heads, int kvHeads, int hd)
    {
        int tokens = slots.Length, kvWidth = kvHeads * hd;
        var result = new double[tokens * heads * hd];
        double scale = 1 / Math.Sqrt(hd);
        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int kvh = h / (heads / kvHeads), n = positions[t] + 1;
                var scores = new double[n];
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < n; j++)
                {
                    int kb = ((slots[t] * MaxLen) + j) * kvWidth + kvh * hd;
                    double s = 0;
                    for (int d = 0; d < hd; d++)
                    {
                        s += (double)q[t * heads * hd + h * hd + d] * k[kb + d];
                    }

                    scores[j] = s * scale;
                    max = Math.Max(max, scores[j]);
                }

                for (int j = 0; j < n; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    sum += scores[j];
                }

                for (int d = 0; d < hd; d++)
                {
                    double a = 0;
                    for (int j = 0; j < n; j++)
                    {
                        a += scores[j] * v[((slots[t] * MaxLen) + j) * kvWidth + kvh * hd + d];
                    }

                    result[t * heads * hd + h * hd + d] = a / sum;
                }
            }
        }

        return result;
    }

    private static float[] Random(Random rng, int count, float range) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1) * range)];

    private static float[] Bf16Values(float[] data) => [.. data.Select(Bf16.Round)];

    private static DeviceBuffer UpBf16(CudaDevice device, float[] data)
    {
        var u = new ushort[data.Length];
        Bf16.FromFloat(data, u);
        var b = device.Allocate(u.Length * 2L);
        b.Upload<ushort>(u);
        return b;
    }

    private static void AssertSameBits(ushort[] got, ushort[] want, int offset, int count, string what)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(got[i] == want[offset + i], $"{what}: element {offset + i} is 0x{got[i]:x4}, prefill blocks 0x{want[offset + i]:x4}");
        }
    }
}
