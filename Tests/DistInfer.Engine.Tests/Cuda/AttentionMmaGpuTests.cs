using DistInfer.Engine.Cuda;

namespace DistInfer.Engine.Tests.Cuda;

/// <summary>
/// Batch-invariant attention on tensor cores (AttentionMma.cuh): every query's output has the same bits in prefill
/// blocks of several tokens, in a step of one token per block, and alone (a decode step), and is near a double-precision
/// reference. Three sequences of 37, 5 and 80 tokens after 300, 0 and 560 cached positions give blocks of one sequence,
/// blocks straddling two, a part-filled last block, warps with several key tiles (up to position 639, the cache's
/// last) and tiles past a row's last key; the head shapes cover 1, 3, 4, 24 and 32 query heads per KV head and each
/// head size the kernel takes. Cache positions past each sequence's last hold NaN and a row past the output holds a
/// sentinel, so a read past the keys or a write past the tokens shows.
/// </summary>
[Trait("Category", "Gpu")]
[Trait("Gpu", "Invariance")]
public sealed class AttentionMmaGpuTests
{
    private const int MaxLen = 640;
    private const ushort Sentinel = 0x7b7b;
    private static readonly (int Slot, int Start, int Count)[] Sequences = [(2, 300, 37), (0, 0, 5), (1, 560, 80)];

    [Theory]
    [InlineData(16, 4, 64)]
    [InlineData(6, 2, 32)]
    [InlineData(4, 2, 128)]
    [InlineData(8, 8, 32)]
    [InlineData(12, 4, 96)]
    [InlineData(32, 1, 64)]
    [InlineData(24, 1, 32)]
    public void Attention_PrefillBlocksOrOneTokenOrAlone_SameBitsNearReference(int heads, int kvHeads, int headDim)
    {
        var device = GpuDevice.Require();
        using var stream = device.CreateStream();
        using var ops = new CudaOps(device, stream, bf16: true) { BatchInvariant = true, TensorCores = true };
        Assert.True(ops.UseAttentionMma(headDim), "the GPU must take tensor-core attention (compute capability 8.0+)");
        var rng = new Random((heads * 1000) + headDim);
        int width = heads * headDim, kvWidth = kvHeads * headDim;
        var slots = Sequences.SelectMany(s => Enumerable.Repeat(s.Slot, s.Count)).ToArray();
        var positions = Sequences.SelectMany(s => Enumerable.Range(s.Start, s.Count)).ToArray();
        int tokens = slots.Length;
        var q = Random(rng, tokens * width, 2f);
        var k = Random(rng, 3 * MaxLen * kvWidth, 2f);
        var v = Random(rng, 3 * MaxLen * kvWidth, 1f);
        using var dq = device.Allocate(q.Length * 4L);
        dq.Upload<float>(q);
        using var dk = UpBf16(device, k, kvWidth);
        using var dv = UpBf16(device, v, kvWidth);
        using var dSlots = device.Allocate(tokens * 4L);
        using var dPositions = device.Allocate(tokens * 4L);
        dSlots.Upload<int>(slots);
        dPositions.Upload<int>(positions);
        using var dOut = device.Allocate((tokens + 1) * width * 2L);
        dOut.Upload<ushort>(Enumerable.Repeat(Sentinel, width).ToArray(), tokens * width * 2L);

        int run = CudaOps.MeanQueryRun(slots);
        Run(ops, dq, dk, dv, dOut, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, run);
        stream.Synchronize();
        Assert.Equal(CudaOps.AttentionMmaTokens(heads / kvHeads, run), ops.LastAttentionMmaTokens);
        var blocked = dOut.Download<ushort>(tokens * width);
        Assert.All(dOut.Download<ushort>(width, tokens * width * 2L), x => Assert.Equal(Sentinel, x));

        dOut.Upload<ushort>(new ushort[tokens * width]);
        using var dTable = device.Allocate(2 * tokens * 4L);
        // A table pointer with no blocks (what a decode step passes) means the kernel's own layout.
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, MaxLen, 0, 1,
            dTable.Pointer, 0);
        stream.Synchronize();
        Assert.Equal(1, ops.LastAttentionMmaTokens);
        AssertSameBits(dOut.Download<ushort>(tokens * width), blocked, 0, tokens * width, "one token per block");
        Assert.All(dOut.Download<ushort>(width, tokens * width * 2L), x => Assert.Equal(Sentinel, x));

        // Blocks that never mix sequences, from the stages' block table.
        var (planRun, blocks) = ops.PlanAttention(slots, heads, kvHeads, headDim, new int[2 * tokens], dTable.Pointer);
        Assert.Equal(run, planRun);
        Assert.Equal(CudaOps.AttentionMmaTokens(heads / kvHeads, run) > 1, blocks > 0);
        dOut.Upload<ushort>(new ushort[tokens * width]);
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, MaxLen, 0, run,
            blocks > 0 ? dTable.Pointer : 0, blocks);
        stream.Synchronize();
        AssertSameBits(dOut.Download<ushort>(tokens * width), blocked, 0, tokens * width, "blocks from the block table");
        Assert.All(dOut.Download<ushort>(width, tokens * width * 2L), x => Assert.Equal(Sentinel, x));

        for (int t = 0; t < tokens; t++)
        {
            // Alone, as a decode step computes it.
            ops.Attention(dq.Pointer + (nint)(t * width * 4L), dk.Pointer, dv.Pointer, dOut.Pointer, dSlots.Pointer + (nint)(t * 4L),
                dPositions.Pointer + (nint)(t * 4L), 1, heads, kvHeads, headDim, MaxLen, 0, 1);
            stream.Synchronize();
            AssertSameBits(dOut.Download<ushort>(width), blocked, t * width, width, $"token {t} alone");
        }

        var reference = Reference(q, [.. k.Select(Bf16.Round)], [.. v.Select(Bf16.Round)], slots, positions, heads, kvHeads, headDim);
        var got = new float[blocked.Length];
        Bf16.ToFloat(blocked, got);
        for (int i = 0; i < got.Length; i++)
        {
            // The output's bf16 rounding is at most 2^-9 relative; the rest is the kernel's own error.
            Assert.True(Math.Abs(got[i] - reference[i]) <= (4.5e-3 * Math.Abs(reference[i])) + 2e-4, $"element {i}: {got[i]}, reference {reference[i]}");
        }
    }

    [Fact]
    public void UseAttentionMma_ModeRunAndHeadSize_InvariantAlwaysOtherwisePrefillOnly()
    {
        var device = GpuDevice.Require();
        using var stream = device.CreateStream();
        using var ops = new CudaOps(device, stream, bf16: true) { BatchInvariant = true, TensorCores = true, AttentionMma = false };
        Assert.False(ops.UseAttentionMma(64, 100));
        ops.AttentionMma = true;
        Assert.True(ops.UseAttentionMma(64, 1));
        Assert.False(ops.UseAttentionMma(16, 100));
        ops.BatchInvariant = false;
        Assert.False(ops.UseAttentionMma(64, 1));
        Assert.True(ops.UseAttentionMma(64, 2));
        ops.TensorCores = false;
        Assert.False(ops.UseAttentionMma(64, 100));
    }

    [Fact]
    public void Attention_DefaultModePrefill_TensorCoreKernelSameBitsAsInvariantMode()
    {
        const int heads = 16, kvHeads = 4, headDim = 64;
        var device = GpuDevice.Require();
        using var stream = device.CreateStream();
        using var ops = new CudaOps(device, stream, bf16: true) { BatchInvariant = false, TensorCores = true };
        var rng = new Random(5);
        int width = heads * headDim, kvWidth = kvHeads * headDim;
        var slots = Sequences.SelectMany(s => Enumerable.Repeat(s.Slot, s.Count)).ToArray();
        var positions = Sequences.SelectMany(s => Enumerable.Range(s.Start, s.Count)).ToArray();
        int tokens = slots.Length, run = CudaOps.MeanQueryRun(slots);
        using var dq = device.Allocate(tokens * width * 4L);
        dq.Upload<float>(Random(rng, tokens * width, 2f));
        using var dk = UpBf16(device, Random(rng, 3 * MaxLen * kvWidth, 2f), kvWidth);
        using var dv = UpBf16(device, Random(rng, 3 * MaxLen * kvWidth, 1f), kvWidth);
        using var dSlots = device.Allocate(tokens * 4L);
        using var dPositions = device.Allocate(tokens * 4L);
        dSlots.Upload<int>(slots);
        dPositions.Upload<int>(positions);
        using var dOut = device.Allocate(tokens * width * 2L);

        Run(ops, dq, dk, dv, dOut, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, run);
        stream.Synchronize();
        Assert.Equal(CudaOps.AttentionMmaTokens(heads / kvHeads, run), ops.LastAttentionMmaTokens);
        var prefill = dOut.Download<ushort>(tokens * width);
        Run(ops, dq, dk, dv, dOut, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, 1);
        stream.Synchronize();
        Assert.Equal(0, ops.LastAttentionMmaTokens);

        ops.BatchInvariant = true;
        Run(ops, dq, dk, dv, dOut, dSlots.Pointer, dPositions.Pointer, tokens, heads, kvHeads, headDim, run);
        stream.Synchronize();
        AssertSameBits(dOut.Download<ushort>(tokens * width), prefill, 0, tokens * width, "batch-invariant mode");
    }

    private static void Run(CudaOps ops, DeviceBuffer q, DeviceBuffer k, DeviceBuffer v, DeviceBuffer output, nint slots, nint positions,
        int tokens, int heads, int kvHeads, int headDim, int run) =>
        ops.Attention(q.Pointer, k.Pointer, v.Pointer, output.Pointer, slots, positions, tokens, heads, kvHeads, headDim, MaxLen, 0, run);

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
                    int kb = (((slots[t] * MaxLen) + j) * kvWidth) + (kvh * hd);
                    double s = 0;
                    for (int d = 0; d < hd; d++)
                    {
                        s += (double)q[(t * heads * hd) + (h * hd) + d] * k[kb + d];
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
                        a += scores[j] * v[(((slots[t] * MaxLen) + j) * kvWidth) + (kvh * hd) + d];
                    }

                    result[(t * heads * hd) + (h * hd) + d] = a / sum;
                }
            }
        }

        return result;
    }

    private static float[] Random(Random rng, int count, float range) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1) * range)];

    /// <summary>A cache [slot][position][kvWidth] in bf16, NaN at the positions past each sequence's last.</summary>
    private static DeviceBuffer UpBf16(CudaDevice device, float[] data, int kvWidth)
    {
        var u = new ushort[data.Length];
        Bf16.FromFloat(data, u);
        foreach (var (slot, start, count) in Sequences)
        {
            u.AsSpan(((slot * MaxLen) + start + count) * kvWidth, (MaxLen - start - count) * kvWidth).Fill(0x7fc0);
        }

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
