// Attention: q/k/v preparation into the KV cache, then causal grouped-query attention over the cache.
// Cache layout per layer: [slot][position][kvHead][headDim], element type A (float or bf16_t).

// One block per token. qkv row = [q nh*hd | k nkv*hd | v nkv*hd] in fp32 (GEMM output).
// flags: 1 bias, 2 per-head q/k norm (qwen3), 4 full-width q/k norm (olmoe), 8 clip.
template <typename A>
__device__ void qkv_prep_impl(const float* qkv, const float* bias, const float* qNorm, const float* kNorm,
    const float* ropeCos, const float* ropeSin, const int* slots, const int* positions,
    float* q, A* kCache, A* vCache, int nh, int nkv, int hd, int maxLen, float eps, float clip, int flags)
{
    extern __shared__ float row[];
    __shared__ float scratch[32];
    int t = blockIdx.x;
    int width = (nh + 2 * nkv) * hd, qw = nh * hd, kw = nkv * hd;
    const float* src = qkv + (long)t * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x)
    {
        float v = src[i];
        if (flags & 1) v += bias[i];
        row[i] = v;
    }
    __syncthreads();
    if (flags & 4)
    {
        // OLMoE: RMSNorm over the whole q projection and the whole k projection, then the clamp.
        float ss = 0.0f;
        for (int i = threadIdx.x; i < qw; i += blockDim.x) ss += row[i] * row[i];
        float rq = rsqrtf(block_sum(ss, scratch) / (float)qw + eps);
        ss = 0.0f;
        for (int i = threadIdx.x; i < kw; i += blockDim.x) ss += row[qw + i] * row[qw + i];
        float rk = rsqrtf(block_sum(ss, scratch) / (float)kw + eps);
        for (int i = threadIdx.x; i < qw; i += blockDim.x) row[i] = qNorm[i] * (row[i] * rq);
        for (int i = threadIdx.x; i < kw; i += blockDim.x) row[qw + i] = kNorm[i] * (row[qw + i] * rk);
        __syncthreads();
    }
    if (flags & 8)
    {
        for (int i = threadIdx.x; i < width; i += blockDim.x) row[i] = fminf(fmaxf(row[i], -clip), clip);
        __syncthreads();
    }
    if (flags & 2)
    {
        // Qwen3: RMSNorm per head over head_dim for q and k heads; one warp per head.
        int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
        for (int hh = warp; hh < nh + nkv; hh += nw)
        {
            float* hp = row + hh * hd;
            const float* w = hh < nh ? qNorm : kNorm;
            float ss = 0.0f;
            for (int i = lane; i < hd; i += 32) ss += hp[i] * hp[i];
            float r = rsqrtf(warp_sum(ss) / (float)hd + eps);
            __syncwarp();
            for (int i = lane; i < hd; i += 32) hp[i] = w[i] * (hp[i] * r);
        }
        __syncthreads();
    }
    int pos = positions[t], slot = slots[t], half = hd / 2;
    const float* c = ropeCos + (long)pos * half;
    const float* s = ropeSin + (long)pos * half;
    // Rotate-half RoPE on q and k heads: out[i] = x[i]*cos - x[i+half]*sin, out[i+half] = x[i+half]*cos + x[i]*sin.
    for (int i = threadIdx.x; i < (nh + nkv) * half; i += blockDim.x)
    {
        int hh = i / half, j = i - hh * half;
        float x1 = row[hh * hd + j], x2 = row[hh * hd + j + half];
        float o1 = x1 * c[j] - x2 * s[j];
        float o2 = x2 * c[j] + x1 * s[j];
        if (hh < nh)
        {
            q[(long)t * qw + hh * hd + j] = o1;
            q[(long)t * qw + hh * hd + j + half] = o2;
        }
        else
        {
            long base = (((long)slot * maxLen + pos) * nkv + (hh - nh)) * hd;
            kCache[base + j] = from_f<A>(o1);
            kCache[base + j + half] = from_f<A>(o2);
        }
    }
    for (int i = threadIdx.x; i < kw; i += blockDim.x)
    {
        long base = ((long)slot * maxLen + pos) * kw;
        vCache[base + i] = from_f<A>(row[qw + kw + i]);
    }
}

// One block per (query token, kv head); its G query heads share each K/V load. Each warp takes tiles of 32 keys,
// one key per lane: a lane scores its key for all G heads (no shuffles per key), the warp updates an online
// softmax once per tile, then accumulates P·V with lanes over head dims. Warps' partials merge at the end.
// Shared memory: q [G][hd], p [W][G][32], m/l [W][G], acc [W][G][hd]. head_dim a multiple of 8, at most 32*NPL.
// Split-K (decode): with splits > 1, block z of gridDim.z takes a contiguous share of the keys and writes its
// unnormalised partial (m, l, acc) to partial[t][head][z][hd + 2]; attention_combine merges the shares.
template <typename A, int G, int NPL>
__device__ void attention_impl(const float* q, const A* kCache, const A* vCache, A* out, const int* slots,
    const int* positions, int nh, int nkv, int hd, int maxLen, float scale, float* partial)
{
    extern __shared__ float sm[];
    int sub = (nh / nkv) / G;
    int t = blockIdx.x, kvh = blockIdx.y / sub, h0 = kvh * (nh / nkv) + (blockIdx.y % sub) * G;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    int pos = positions[t], slot = slots[t];
    float* sQ = sm;
    float* sP = sQ + G * hd;
    float* sM = sP + nw * G * 32;
    float* sL = sM + nw * G;
    float* sA = sL + nw * G;
    for (int x = threadIdx.x; x < G * hd; x += blockDim.x)
        sQ[x] = q[(long)t * nh * hd + (long)h0 * hd + x] * scale;
    __syncthreads();
    float m[G], l[G], acc[G][NPL];
#pragma unroll
    for (int g = 0; g < G; g++)
    {
        m[g] = NEG_INF; l[g] = 0.0f;
#pragma unroll
        for (int i = 0; i < NPL; i++) acc[g][i] = 0.0f;
    }
    long stride = (long)nkv * hd;
    const A* kb = kCache + ((long)slot * maxLen * nkv + kvh) * hd;
    const A* vb = vCache + ((long)slot * maxLen * nkv + kvh) * hd;
    float* myP = sP + warp * G * 32;
    int splits = gridDim.z, kBegin = 0, kEnd = pos + 1;
    if (splits > 1)
    {
        int share = ((pos + 1 + splits - 1) / splits + 31) / 32 * 32;
        kBegin = min(pos + 1, (int)blockIdx.z * share);
        kEnd = min(pos + 1, kBegin + share);
    }
    for (int j0 = kBegin + warp * 32; j0 < kEnd; j0 += nw * 32)
    {
        int j = j0 + lane;
        bool valid = j < kEnd;
        float s[G];
#pragma unroll
        for (int g = 0; g < G; g++) s[g] = 0.0f;
        if (valid)
        {
            const A* kr = kb + j * stride;
            // Four 8-element chunks per round so their loads are in flight together.
            for (int d = 0; d < hd; d += 32)
            {
                float kf[4][8];
#pragma unroll
                for (int c = 0; c < 4; c++)
                    if (d + c * 8 < hd) load8<A>(kr + d + c * 8, kf[c]);
#pragma unroll
                for (int c = 0; c < 4; c++)
                {
                    if (d + c * 8 >= hd) break;
#pragma unroll
                    for (int g = 0; g < G; g++)
                    {
                        // Two 16-byte shared loads per 8 q elements (q rows are 32-byte aligned).
                        const float4* q4 = reinterpret_cast<const float4*>(sQ + g * hd + d + c * 8);
                        float4 qa = q4[0], qb = q4[1];
                        s[g] += qa.x * kf[c][0] + qa.y * kf[c][1] + qa.z * kf[c][2] + qa.w * kf[c][3]
                              + qb.x * kf[c][4] + qb.y * kf[c][5] + qb.z * kf[c][6] + qb.w * kf[c][7];
                    }
                }
            }
        }
#pragma unroll
        for (int g = 0; g < G; g++)
        {
            float sv = valid ? s[g] : NEG_INF;
            float mn = fmaxf(m[g], warp_max(sv));
            float corr = expf(m[g] - mn);
            float p = valid ? expf(sv - mn) : 0.0f;
            l[g] = l[g] * corr + warp_sum(p);
            m[g] = mn;
#pragma unroll
            for (int i = 0; i < NPL; i++) acc[g][i] *= corr;
            myP[g * 32 + lane] = p;
        }
        __syncwarp();
        int n = min(32, kEnd - j0);
        // Eight value rows per round, loaded before the math.
        for (int jb = 0; jb < n; jb += 8)
        {
            float vv[8][NPL];
#pragma unroll
            for (int u = 0; u < 8; u++)
            {
                const A* vr = vb + (j0 + jb + u) * stride;
                bool ok = jb + u < n;
#pragma unroll
                for (int i = 0; i < NPL; i++)
                {
                    int d = i * 32 + lane;
                    vv[u][i] = (ok && d < hd) ? to_f(vr[d]) : 0.0f;
                }
            }
#pragma unroll
            for (int u = 0; u < 8; u++)
            {
#pragma unroll
                for (int g = 0; g < G; g++)
                {
                    float p = jb + u < n ? myP[g * 32 + jb + u] : 0.0f;
#pragma unroll
                    for (int i = 0; i < NPL; i++) acc[g][i] += p * vv[u][i];
                }
            }
        }
        __syncwarp();
    }
#pragma unroll
    for (int g = 0; g < G; g++)
    {
        if (lane == 0) { sM[warp * G + g] = m[g]; sL[warp * G + g] = l[g]; }
#pragma unroll
        for (int i = 0; i < NPL; i++)
        {
            int d = i * 32 + lane;
            if (d < hd) sA[((long)warp * G + g) * hd + d] = acc[g][i];
        }
    }
    __syncthreads();
    for (int x = threadIdx.x; x < G * hd; x += blockDim.x)
    {
        int g = x / hd, d = x - g * hd;
        float mm = NEG_INF;
        for (int w = 0; w < nw; w++) mm = fmaxf(mm, sM[w * G + g]);
        float ll = 0.0f, aa = 0.0f;
        for (int w = 0; w < nw; w++)
        {
            float mw = sM[w * G + g];
            if (mw == NEG_INF) continue;
            float f = expf(mw - mm);
            ll += sL[w * G + g] * f;
            aa += sA[((long)w * G + g) * hd + d] * f;
        }
        if (splits > 1)
        {
            float* pp = partial + (((long)t * nh + h0 + g) * splits + blockIdx.z) * (hd + 2);
            pp[2 + d] = aa;
            if (d == 0) { pp[0] = mm; pp[1] = ll; }
        }
        else
        {
            out[(long)t * nh * hd + (long)(h0 + g) * hd + d] = from_f<A>(aa / ll);
        }
    }
}

// Merges the split-K shares of one (token, head) per block.
template <typename A>
__device__ void attention_combine_impl(const float* partial, A* out, int nh, int hd, int splits)
{
    int t = blockIdx.x, h = blockIdx.y;
    const float* pp = partial + ((long)t * nh + h) * splits * (hd + 2);
    float mm = NEG_INF;
    for (int z = 0; z < splits; z++) mm = fmaxf(mm, pp[z * (hd + 2)]);
    for (int d = threadIdx.x; d < hd; d += blockDim.x)
    {
        float ll = 0.0f, aa = 0.0f;
        for (int z = 0; z < splits; z++)
        {
            float mz = pp[z * (hd + 2)];
            if (mz == NEG_INF) continue;
            float f = expf(mz - mm);
            ll += pp[z * (hd + 2) + 1] * f;
            aa += pp[z * (hd + 2) + 2 + d] * f;
        }
        out[(long)t * nh * hd + (long)h * hd + d] = from_f<A>(aa / ll);
    }
}

#define ATTN(SUF, A, G, NPL) \
extern "C" __global__ void attention_g##G##_n##NPL##_##SUF(const float* q, const A* k, const A* v, A* o, const int* s, const int* p, int nh, int nkv, int hd, int ml, float sc, float* part) { pdl_entry(); attention_impl<A, G, NPL>(q, k, v, o, s, p, nh, nkv, hd, ml, sc, part); }
#define ATTN_NPL(SUF, A, G) ATTN(SUF, A, G, 1) ATTN(SUF, A, G, 2) ATTN(SUF, A, G, 4) ATTN(SUF, A, G, 8)
#define DEFINE_ATTENTION(SUF, A) \
extern "C" __global__ void qkv_prep_##SUF(const float* qkv, const float* bias, const float* qNorm, const float* kNorm, \
    const float* ropeCos, const float* ropeSin, const int* slots, const int* positions, float* q, A* kCache, A* vCache, \
    int nh, int nkv, int hd, int maxLen, float eps, float clip, int flags) \
{ pdl_entry(); qkv_prep_impl<A>(qkv, bias, qNorm, kNorm, ropeCos, ropeSin, slots, positions, q, kCache, vCache, nh, nkv, hd, maxLen, eps, clip, flags); } \
ATTN_NPL(SUF, A, 1) ATTN_NPL(SUF, A, 2) ATTN_NPL(SUF, A, 4) ATTN_NPL(SUF, A, 8) \
extern "C" __global__ void attention_combine_##SUF(const float* part, A* o, int nh, int hd, int splits) { pdl_entry(); attention_combine_impl<A>(part, o, nh, hd, splits); }

DEFINE_ATTENTION(f32, float)
DEFINE_ATTENTION(bf16, bf16_t)
