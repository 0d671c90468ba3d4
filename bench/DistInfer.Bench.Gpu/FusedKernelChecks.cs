using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// The fused decode kernels against the unfused kernels they replace (which <see cref="KernelChecks"/> checks
/// against C# references): q/k/v GEMV + RoPE + cache write, and post-attention norm + fp32 router + routing.
/// </summary>
public static class FusedKernelChecks
{
    public static bool Run(CudaDevice device)
    {
        using var stream = device.CreateStream();
        bool ok = true;
        foreach (bool bf16 in new[] { false, true })
        {
            using var ops = new CudaOps(device, stream, bf16);
            var rng = new Random(11);
            ok &= QkvRope(device, ops, rng);
            ok &= RouterNorm(device, ops, rng, 1);
            ok &= RouterNorm(device, ops, rng, 3);
        }

        return ok;
    }

    private static bool QkvRope(CudaDevice d, CudaOps ops, Random rng)
    {
        bool bf16 = ops.Bf16;
        int t = 5, nh = 4, nkv = 2, hd = 64, k = 256, maxLen = 16, half = hd / 2, width = (nh + 2 * nkv) * hd;
        int cache = 2 * maxLen * nkv * hd;
        var w = Check.Random(rng, width * k, 0.2f);
        var x = Check.Random(rng, t * k);
        var bias = Check.Random(rng, width, 0.5f);
        var cos = new float[maxLen * half];
        var sin = new float[maxLen * half];
        for (int p = 0; p < maxLen; p++)
        {
            for (int j = 0; j < half; j++)
            {
                double f = p * Math.Pow(10000, -2.0 * j / hd);
                cos[p * half + j] = (float)Math.Cos(f);
                sin[p * half + j] = (float)Math.Sin(f);
            }
        }

        int[] pos = [0, 1, 2, 7, 15];
        int[] slots = [0, 0, 0, 1, 1];
        using var dw = DeviceData.Up(d, w, bf16);
        using var dx = DeviceData.Up(d, x, bf16);
        using var db = DeviceData.Up(d, bias, false);
        using var dcos = DeviceData.Up(d, cos, false);
        using var dsin = DeviceData.Up(d, sin, false);
        using var dpos = d.Allocate(t * 4);
        using var dslot = d.Allocate(t * 4);
        dpos.Upload<int>(pos);
        dslot.Upload<int>(slots);
        using var qkv = d.Allocate((long)t * width * 4);
        var zeros = new float[cache];
        using var q1 = d.Allocate((long)t * nh * hd * 4);
        using var q2 = d.Allocate((long)t * nh * hd * 4);
        using var k1 = DeviceData.Up(d, zeros, bf16);
        using var k2 = DeviceData.Up(d, zeros, bf16);
        using var v1 = DeviceData.Up(d, zeros, bf16);
        using var v2 = DeviceData.Up(d, zeros, bf16);
        const int Flags = 1 | 8;
        const float Clip = 1.5f;
        ops.Linear(dw.Pointer, dx.Pointer, k, qkv.Pointer, width, t, width, k, false);
        ops.QkvPrep(qkv.Pointer, db.Pointer, 0, 0, dcos.Pointer, dsin.Pointer, dslot.Pointer, dpos.Pointer, q1.Pointer, k1.Pointer,
            v1.Pointer, t, nh, nkv, hd, maxLen, 1e-6f, Clip, Flags);
        ops.GemvQkvRope(dw.Pointer, dx.Pointer, k, k, db.Pointer, dcos.Pointer, dsin.Pointer, dslot.Pointer, dpos.Pointer, q2.Pointer,
            k2.Pointer, v2.Pointer, t, nh, nkv, hd, maxLen, Clip, Flags);
        ops.Stream.Synchronize();
        string type = bf16 ? "bf16" : "fp32";
        // bf16 caches: one rounding step apart at most where the two GEMVs' fp32 sums differ in the last bit.
        double cacheTol = bf16 ? 1e-2 : 1e-5;
        return Check.Report($"fused q/k/v GEMV + bias + clip + RoPE {type} (q) vs GEMV + qkv_prep", Check.RelError(q2.Download<float>(t * nh * hd), q1.Download<float>(t * nh * hd)), 1e-5)
            & Check.Report($"fused q/k/v GEMV + bias + clip + RoPE {type} (k cache)", Check.RelError(DeviceData.Down(k2, cache, bf16), DeviceData.Down(k1, cache, bf16)), cacheTol)
            & Check.Report($"fused q/k/v GEMV + bias + clip + RoPE {type} (v cache)", Check.RelError(DeviceData.Down(v2, cache, bf16), DeviceData.Down(v1, cache, bf16)), cacheTol);
    }

    /// <summary>One token: three warps per router dot; three tokens: one warp per dot.</summary>
    private static bool RouterNorm(CudaDevice d, CudaOps ops, Random rng, int t)
    {
        bool bf16 = ops.Bf16;
        int h = 1024, e = 8, rows = e + 1, k = 2;
        var hs = Check.Random(rng, t * h, 3f);
        var norm = Check.Random(rng, h);
        var w = Check.Random(rng, rows * h, 0.3f);
        using var dh = DeviceData.Up(d, hs, false);
        using var dn = DeviceData.Up(d, norm, false);
        using var dw = DeviceData.Up(d, w, false);
        using var xn1 = d.Allocate((long)t * h * 4);
        using var xn2 = d.Allocate((long)t * h * 4);
        using var xf1 = d.Allocate((long)t * h * 4);
        using var xf2 = d.Allocate((long)t * h * 4);
        using var l1 = d.Allocate(t * rows * 4);
        using var l2 = d.Allocate(t * rows * 4);
        var r1 = new Routing(d, t, e, k);
        var r2 = new Routing(d, t, e, k);
        try
        {
            ops.RmsNorm(dh.Pointer, dn.Pointer, xn1.Pointer, t, h, 1e-5f, h, xf1.Pointer);
            ops.Blas.Linear(false, t, rows, h, xf1.Pointer, h, dw.Pointer, h, l1.Pointer, rows, false);
            ops.RouterTopK(l1.Pointer, rows, t, e, k, false, r1.Ids.Pointer, r1.Weights.Pointer, r1.Counts.Pointer, r1.Offsets.Pointer,
                r1.Perm.Pointer, r1.Inverse.Pointer, r1.Active.Pointer);
            ops.RouterNormFused(dh.Pointer, dn.Pointer, 1e-5f, xn2.Pointer, xf2.Pointer, dw.Pointer, l2.Pointer, t, rows, h, e, k, false,
                r2.Ids.Pointer, r2.Weights.Pointer, r2.Counts.Pointer, r2.Offsets.Pointer, r2.Perm.Pointer, r2.Inverse.Pointer, r2.Active.Pointer);
            ops.Stream.Synchronize();
            bool idsEqual = r1.Ids.Download<int>(t * k).SequenceEqual(r2.Ids.Download<int>(t * k))
                && r1.Perm.Download<int>(t * k).SequenceEqual(r2.Perm.Download<int>(t * k))
                && r1.Active.Download<int>(e).SequenceEqual(r2.Active.Download<int>(e));
            string type = $"{(bf16 ? "bf16" : "fp32")}, {t} token(s)";
            return Check.Report($"fused norm + fp32 router {type} (logits, {(idsEqual ? "ids and rows equal" : "IDS DIFFER")}) vs norm + GEMM + top-k",
                    idsEqual ? Check.RelError(l2.Download<float>(t * rows), l1.Download<float>(t * rows)) : 1, 1e-5)
                & Check.Report($"fused norm + fp32 router {type} (normed input)", Check.RelError(DeviceData.Down(xn2, t * h, bf16), DeviceData.Down(xn1, t * h, bf16)), bf16 ? 1e-2 : 1e-5)
                & Check.Report($"fused norm + fp32 router {type} (top-k weights)", Check.RelError(r2.Weights.Download<float>(t * k), r1.Weights.Download<float>(t * k)), 1e-5);
        }
        finally
        {
            r1.Dispose();
            r2.Dispose();
        }
    }

    private sealed class Routing(CudaDevice d, int t, int e, int k) : IDisposable
    {
        public DeviceBuffer Ids { get; } = d.Allocate(t * k * 4);
        public DeviceBuffer Weights { get; } = d.Allocate(t * k * 4);
        public DeviceBuffer Counts { get; } = d.Allocate((e + 1) * 4);
        public DeviceBuffer Offsets { get; } = d.Allocate((e + 1) * 4);
        public DeviceBuffer Perm { get; } = d.Allocate(t * k * 4);
        public DeviceBuffer Inverse { get; } = d.Allocate(t * k * 4);
        public DeviceBuffer Active { get; } = d.Allocate((e + 1) * 4);

        public void Dispose()
        {
            Ids.Dispose();
            Weights.Dispose();
            Counts.Dispose();
            Offsets.Dispose();
            Perm.Dispose();
            Inverse.Dispose();
            Active.Dispose();
        }
    }
}
