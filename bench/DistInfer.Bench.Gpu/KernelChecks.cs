using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>Each kernel against a plain C# reference on random inputs.</summary>
public static class KernelChecks
{
    public static bool Run(CudaDevice device)
    {
        using var stream = device.CreateStream();
        using var f32 = new CudaOps(device, stream, bf16: false);
        using var b16 = new CudaOps(device, stream, bf16: true);
        var rng = new Random(7);
        bool ok = true;
        ok &= Gemm(device, f32, rng, 37, 129, 256, "cuBLAS fp32 GEMM 37x129x256", 1e-5);
        ok &= Gemm(device, f32, rng, 3, 200, 512, "skinny fp32 GEMV 3x200x512", 1e-5);
        ok &= Gemm(device, b16, rng, 37, 129, 256, "cuBLAS bf16 GEMM 37x129x256", 1e-3);
        ok &= Gemm(device, b16, rng, 5, 300, 1024, "skinny bf16 GEMV 5x300x1024", 1e-3);
        ok &= RmsNorm(device, f32, rng);
        ok &= Rope(device, f32, rng);
        ok &= Router(device, f32, rng);
        ok &= Attention(device, f32, rng);
        return ok;
    }

    private static float[] Rounded(float[] a, bool bf16) => bf16 ? a.Select(Bf16.Round).ToArray() : a;

    private static bool Gemm(CudaDevice d, CudaOps ops, Random rng, int m, int n, int k, string name, double tol)
    {
        var a = Rounded(Check.Random(rng, m * k), ops.Bf16);
        var w = Rounded(Check.Random(rng, n * k), ops.Bf16);
        var c0 = Check.Random(rng, m * n);
        using var da = DeviceData.Up(d, a, ops.Bf16);
        using var dw = DeviceData.Up(d, w, ops.Bf16);
        using var dc = DeviceData.Up(d, c0, false);
        ops.Linear(dw.Pointer, da.Pointer, k, dc.Pointer, n, m, n, k, accumulate: true);
        ops.Stream.Synchronize();
        var got = dc.Download<float>(m * n);
        var want = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = c0[i * n + j];
                for (int x = 0; x < k; x++)
                {
                    s += (double)a[i * k + x] * w[j * k + x];
                }

                want[i * n + j] = (float)s;
            }
        }

        return Check.Report(name, Check.RelError(got, want), tol);
    }

    private static bool RmsNorm(CudaDevice d, CudaOps ops, Random rng)
    {
        int rows = 9, h = 1000;
        var x = Check.Random(rng, rows * h, 3f);
        var w = Check.Random(rng, h);
        using var dx = DeviceData.Up(d, x, false);
        using var dw = DeviceData.Up(d, w, false);
        using var dy = d.Allocate(rows * h * 4L);
        ops.RmsNorm(dx.Pointer, dw.Pointer, dy.Pointer, rows, h, 1e-5f, h);
        ops.Stream.Synchronize();
        var got = dy.Download<float>(rows * h);
        var want = new float[rows * h];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < h; i++)
            {
                ss += x[r * h + i] * x[r * h + i];
            }

            double inv = 1 / Math.Sqrt(ss / h + 1e-5);
            for (int i = 0; i < h; i++)
            {
                want[r * h + i] = (float)(w[i] * x[r * h + i] * inv);
            }
        }

        return Check.Report("RMSNorm 9x1000", Check.RelError(got, want), 1e-5);
    }

    /// <summary>qkv_prep with per-head q/k norm and RoPE against the reference, q output and the k cache.</summary>
    private static bool Rope(CudaDevice d, CudaOps ops, Random rng)
    {
        int t = 5, nh = 4, nkv = 2, hd = 64, maxLen = 16, half = hd / 2, width = (nh + 2 * nkv) * hd;
        double theta = 10000;
        var qkv = Check.Random(rng, t * width);
        var qn = Check.Random(rng, hd);
        var kn = Check.Random(rng, hd);
        int[] pos = [0, 1, 2, 7, 15];
        int[] slots = [0, 0, 0, 1, 1];
        var cos = new float[maxLen * half];
        var sin = new float[maxLen * half];
        for (int p = 0; p < maxLen; p++)
        {
            for (int j = 0; j < half; j++)
            {
                double f = p * Math.Pow(theta, -2.0 * j / hd);
                cos[p * half + j] = (float)Math.Cos(f);
                sin[p * half + j] = (float)Math.Sin(f);
            }
        }

        using var dqkv = DeviceData.Up(d, qkv, false);
        using var dqn = DeviceData.Up(d, qn, false);
        using var dkn = DeviceData.Up(d, kn, false);
        using var dcos = DeviceData.Up(d, cos, false);
        using var dsin = DeviceData.Up(d, sin, false);
        using var dpos = d.Allocate(t * 4);
        using var dslot = d.Allocate(t * 4);
        dpos.Upload<int>(pos);
        dslot.Upload<int>(slots);
        using var dq = d.Allocate(t * nh * hd * 4L);
        using var dk = d.Allocate(2L * maxLen * nkv * hd * 4);
        using var dv = d.Allocate(2L * maxLen * nkv * hd * 4);
        ops.QkvPrep(dqkv.Pointer, 0, dqn.Pointer, dkn.Pointer, dcos.Pointer, dsin.Pointer, dslot.Pointer, dpos.Pointer,
            dq.Pointer, dk.Pointer, dv.Pointer, t, nh, nkv, hd, maxLen, 1e-6f, 0f, 2);
        ops.Stream.Synchronize();
        var gotQ = dq.Download<float>(t * nh * hd);
        var cacheK = dk.Download<float>(2 * maxLen * nkv * hd);
        var wantQ = new float[gotQ.Length];
        var gotK = new float[t * nkv * hd];
        var wantK = new float[gotK.Length];
        for (int i = 0; i < t; i++)
        {
            for (int hh = 0; hh < nh + nkv; hh++)
            {
                var x = qkv.AsSpan(i * width + hh * hd, hd).ToArray();
                var w = hh < nh ? qn : kn;
                double ss = x.Sum(v => (double)v * v);
                double inv = 1 / Math.Sqrt(ss / hd + 1e-6);
                for (int j = 0; j < hd; j++)
                {
                    x[j] = (float)(w[j] * x[j] * inv);
                }

                for (int j = 0; j < half; j++)
                {
                    double c = cos[pos[i] * half + j], s = sin[pos[i] * half + j];
                    float o1 = (float)(x[j] * c - x[j + half] * s), o2 = (float)(x[j + half] * c + x[j] * s);
                    if (hh < nh)
                    {
                        wantQ[(i * nh + hh) * hd + j] = o1;
                        wantQ[(i * nh + hh) * hd + j + half] = o2;
                    }
                    else
                    {
                        int kh = hh - nh, dst = (i * nkv + kh) * hd;
                        wantK[dst + j] = o1;
                        wantK[dst + j + half] = o2;
                        int src = ((slots[i] * maxLen + pos[i]) * nkv + kh) * hd;
                        gotK[dst + j] = cacheK[src + j];
                        gotK[dst + j + half] = cacheK[src + j + half];
                    }
                }
            }
        }

        return Check.Report("q/k per-head norm + RoPE (q)", Check.RelError(gotQ, wantQ), 1e-5)
            & Check.Report("q/k per-head norm + RoPE (k cache)", Check.RelError(gotK, wantK), 1e-5);
    }

    private static bool Router(CudaDevice d, CudaOps ops, Random rng)
    {
        int t = 33, e = 8, k = 2;
        var logits = Check.Random(rng, t * e, 4f);
        using var dl = DeviceData.Up(d, logits, false);
        using var ids = d.Allocate(t * k * 4);
        using var w = d.Allocate(t * k * 4);
        using var counts = d.Allocate((e + 1) * 4);
        using var offsets = d.Allocate((e + 1) * 4);
        using var perm = d.Allocate(t * k * 4);
        using var inv = d.Allocate(t * k * 4);
        using var active = d.Allocate((e + 1) * 4);
        ops.RouterTopK(dl.Pointer, e, t, e, k, true, ids.Pointer, w.Pointer, counts.Pointer, offsets.Pointer, perm.Pointer, inv.Pointer, active.Pointer);
        ops.Stream.Synchronize();
        var gotIds = ids.Download<int>(t * k);
        var gotW = w.Download<float>(t * k);
        var gotPerm = perm.Download<int>(t * k);
        var gotInv = inv.Download<int>(t * k);
        var gotOff = offsets.Download<int>(e + 1);
        var wantW = new float[t * k];
        bool idsOk = true;
        for (int i = 0; i < t; i++)
        {
            var row = logits.AsSpan(i * e, e).ToArray();
            double mx = row.Max();
            var p = row.Select(v => Math.Exp(v - mx)).ToArray();
            double sum = p.Sum();
            var order = Enumerable.Range(0, e).OrderByDescending(x => p[x]).ThenBy(x => x).Take(k).ToArray();
            double sel = order.Sum(x => p[x] / sum);
            for (int j = 0; j < k; j++)
            {
                idsOk &= gotIds[i * k + j] == order[j];
                wantW[i * k + j] = (float)(p[order[j]] / sum / sel);
                int r = gotInv[i * k + j];
                // The gathered row must belong to this token and lie inside its expert's block.
                idsOk &= gotPerm[r] == i && r >= gotOff[order[j]] && r < gotOff[order[j] + 1];
            }
        }

        return Check.Report($"softmax + top-2 + renorm + expert sort ({(idsOk ? "ids and rows equal" : "IDS DIFFER")})", idsOk ? Check.RelError(gotW, wantW) : 1, 1e-5);
    }

    private static bool Attention(CudaDevice d, CudaOps ops, Random rng)
    {
        int nh = 16, nkv = 4, hd = 64, maxLen = 300, g = nh / nkv;
        int[] pos = [0, 5, 299, 130];
        int[] slots = [0, 0, 1, 0];
        int t = pos.Length;
        var q = Check.Random(rng, t * nh * hd);
        var kc = Check.Random(rng, 2 * maxLen * nkv * hd);
        var vc = Check.Random(rng, 2 * maxLen * nkv * hd);
        using var dq = DeviceData.Up(d, q, false);
        using var dk = DeviceData.Up(d, kc, false);
        using var dv = DeviceData.Up(d, vc, false);
        using var dpos = d.Allocate(t * 4);
        using var dslot = d.Allocate(t * 4);
        dpos.Upload<int>(pos);
        dslot.Upload<int>(slots);
        using var dout = d.Allocate(t * nh * hd * 4L);
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dout.Pointer, dslot.Pointer, dpos.Pointer, t, nh, nkv, hd, maxLen);
        ops.Stream.Synchronize();
        var got = dout.Download<float>(t * nh * hd);
        using var partials = d.Allocate((long)t * nh * CudaOps.MaxAttentionSplits * (hd + 2) * 4);
        int minLen = ops.SplitAttentionMinLen;
        ops.SplitAttentionMinLen = 0;
        ops.Attention(dq.Pointer, dk.Pointer, dv.Pointer, dout.Pointer, dslot.Pointer, dpos.Pointer, t, nh, nkv, hd, maxLen, partials.Pointer);
        ops.SplitAttentionMinLen = minLen;
        ops.Stream.Synchronize();
        var gotSplit = dout.Download<float>(t * nh * hd);
        var want = new float[got.Length];
        double scale = 1 / Math.Sqrt(hd);
        for (int i = 0; i < t; i++)
        {
            for (int h = 0; h < nh; h++)
            {
                int kh = h / g, n = pos[i] + 1;
                var s = new double[n];
                for (int j = 0; j < n; j++)
                {
                    int kb = ((slots[i] * maxLen + j) * nkv + kh) * hd;
                    double dot = 0;
                    for (int x = 0; x < hd; x++)
                    {
                        dot += q[(i * nh + h) * hd + x] * kc[kb + x];
                    }

                    s[j] = dot * scale;
                }

                double mx = s.Max(), sum = s.Sum(v => Math.Exp(v - mx));
                for (int x = 0; x < hd; x++)
                {
                    double acc = 0;
                    for (int j = 0; j < n; j++)
                    {
                        acc += Math.Exp(s[j] - mx) / sum * vc[((slots[i] * maxLen + j) * nkv + kh) * hd + x];
                    }

                    want[(i * nh + h) * hd + x] = (float)acc;
                }
            }
        }

        return Check.Report("causal GQA attention over the cache (16 q / 4 kv heads, up to 300 keys)", Check.RelError(got, want), 1e-4)
            & Check.Report("split-K decode attention (16 key shares merged)", Check.RelError(gotSplit, want), 1e-4);
    }
}
