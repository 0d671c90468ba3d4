// Prefill attention: Q consecutive query tokens of one sequence per block, so that each key and value row read
// serves Q queries instead of one. Compiled with Attention.cu (appended to it), whose attention_impl it follows.
//
// Per query, every operation and its order are attention_impl's with one split and the same warps: warp w takes the
// key tiles w*32 + i*nw*32 below the query's end, scores them in the same 8-element chunks, updates its online softmax
// once per tile, accumulates P·V eight rows at a time, and the warps' partials merge in warp order. So a query's output
// has the same bits here as when it is computed alone in a decode step, which failover's re-prefill relies on
// (batch-invariant mode). Work beyond a query's end (keys another query of the block still needs) is done once
// for the block and never enters that query's sums. A block whose tokens are not all of one sequence runs its
// queries one after another through attention_impl.
// Shared memory: q [Q][G][hd], p [W][Q][G][32], m/l [W][Q][G], acc [W][Q][G][hd].
template <typename A, int G, int NPL, int Q>
__device__ void attention_prefill_impl(const float* q, const A* kCache, const A* vCache, A* out, const int* slots,
    const int* positions, int tokens, int nh, int nkv, int hd, int maxLen, float scale)
{
    extern __shared__ float sm[];
    int t0 = blockIdx.x * Q, nq = min(Q, tokens - t0);
    int slot = slots[t0];
    bool oneSequence = true;
    for (int i = 1; i < nq; i++) oneSequence = oneSequence && slots[t0 + i] == slot;
    if (!oneSequence)
    {
        for (int i = 0; i < nq; i++)
        {
            attention_impl<A, G, NPL>(t0 + i, 0, 1, q, kCache, vCache, out, slots, positions, nh, nkv, hd, maxLen, scale, nullptr);
            __syncthreads();
        }
        return;
    }

    int sub = (nh / nkv) / G;
    int kvh = blockIdx.y / sub, h0 = kvh * (nh / nkv) + (blockIdx.y % sub) * G;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    float* sQ = sm;
    float* sP = sQ + Q * G * hd;
    float* sM = sP + nw * Q * G * 32;
    float* sL = sM + nw * Q * G;
    float* sA = sL + nw * Q * G;
    for (int x = threadIdx.x; x < Q * G * hd; x += blockDim.x)
    {
        int qi = x / (G * hd), r = x - qi * G * hd;
        sQ[x] = qi < nq ? q[(long)(t0 + qi) * nh * hd + (long)h0 * hd + r] * scale : 0.0f;
    }
    __syncthreads();
    // A missing query (the grid's last block) has no keys: it never updates and is never written.
    int kEnd[Q], kMax = 0;
#pragma unroll
    for (int qi = 0; qi < Q; qi++)
    {
        kEnd[qi] = qi < nq ? positions[t0 + qi] + 1 : 0;
        kMax = max(kMax, kEnd[qi]);
    }
    float m[Q][G], l[Q][G], acc[Q][G][NPL];
#pragma unroll
    for (int qi = 0; qi < Q; qi++)
    {
#pragma unroll
        for (int g = 0; g < G; g++)
        {
            m[qi][g] = NEG_INF; l[qi][g] = 0.0f;
#pragma unroll
            for (int i = 0; i < NPL; i++) acc[qi][g][i] = 0.0f;
        }
    }
    long stride = (long)nkv * hd;
    const A* kb = kCache + ((long)slot * maxLen * nkv + kvh) * hd;
    const A* vb = vCache + ((long)slot * maxLen * nkv + kvh) * hd;
    float* myP = sP + warp * Q * G * 32;
    for (int j0 = warp * 32; j0 < kMax; j0 += nw * 32)
    {
        int j = j0 + lane;
        float s[Q][G];
#pragma unroll
        for (int qi = 0; qi < Q; qi++)
#pragma unroll
            for (int g = 0; g < G; g++) s[qi][g] = 0.0f;
        if (j < kMax)
        {
            const A* kr = kb + j * stride;
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
                    for (int qi = 0; qi < Q; qi++)
                    {
#pragma unroll
                        for (int g = 0; g < G; g++)
                        {
                            const float4* q4 = reinterpret_cast<const float4*>(sQ + (qi * G + g) * hd + d + c * 8);
                            float4 qa = q4[0], qb = q4[1];
                            s[qi][g] += qa.x * kf[c][0] + qa.y * kf[c][1] + qa.z * kf[c][2] + qa.w * kf[c][3]
                                      + qb.x * kf[c][4] + qb.y * kf[c][5] + qb.z * kf[c][6] + qb.w * kf[c][7];
                        }
                    }
                }
            }
        }
#pragma unroll
        for (int qi = 0; qi < Q; qi++)
        {
            // Uniform across the warp: a tile at or past this query's end is not one of its tiles.
            if (j0 >= kEnd[qi]) continue;
            bool valid = j < kEnd[qi];
#pragma unroll
            for (int g = 0; g < G; g++)
            {
                float sv = valid ? s[qi][g] : NEG_INF;
                float mn = fmaxf(m[qi][g], warp_max(sv));
                float corr = expf(m[qi][g] - mn);
                float p = valid ? expf(sv - mn) : 0.0f;
                l[qi][g] = l[qi][g] * corr + warp_sum(p);
                m[qi][g] = mn;
#pragma unroll
                for (int i = 0; i < NPL; i++) acc[qi][g][i] *= corr;
                myP[(qi * G + g) * 32 + lane] = p;
            }
        }
        __syncwarp();
        int nMax = min(32, kMax - j0);
        for (int jb = 0; jb < nMax; jb += 8)
        {
            float vv[8][NPL];
#pragma unroll
            for (int u = 0; u < 8; u++)
            {
                const A* vr = vb + (j0 + jb + u) * stride;
                bool ok = jb + u < nMax;
#pragma unroll
                for (int i = 0; i < NPL; i++)
                {
                    int d = i * 32 + lane;
                    vv[u][i] = (ok && d < hd) ? to_f(vr[d]) : 0.0f;
                }
            }
#pragma unroll
            for (int qi = 0; qi < Q; qi++)
            {
                // attention_impl walks jb below this query's n only; rows from n on add p = 0 times v = 0.
                int n = min(32, kEnd[qi] - j0);
                if (jb >= n) continue;
#pragma unroll
                for (int u = 0; u < 8; u++)
                {
                    bool in = jb + u < n;
#pragma unroll
                    for (int g = 0; g < G; g++)
                    {
                        float p = in ? myP[(qi * G + g) * 32 + jb + u] : 0.0f;
#pragma unroll
                        for (int i = 0; i < NPL; i++) acc[qi][g][i] += p * (in ? vv[u][i] : 0.0f);
                    }
                }
            }
        }
        __syncwarp();
    }
#pragma unroll
    for (int qi = 0; qi < Q; qi++)
    {
#pragma unroll
        for (int g = 0; g < G; g++)
        {
            int mi = (warp * Q + qi) * G + g;
            if (lane == 0) { sM[mi] = m[qi][g]; sL[mi] = l[qi][g]; }
#pragma unroll
            for (int i = 0; i < NPL; i++)
            {
                int d = i * 32 + lane;
                if (d < hd) sA[(long)mi * hd + d] = acc[qi][g][i];
            }
        }
    }
    __syncthreads();
    for (int x = threadIdx.x; x < nq * G * hd; x += blockDim.x)
    {
        int qi = x / (G * hd), r = x - qi * G * hd, g = r / hd, d = r - g * hd;
        float mm = NEG_INF;
        for (int w = 0; w < nw; w++) mm = fmaxf(mm, sM[(w * Q + qi) * G + g]);
        float ll = 0.0f, aa = 0.0f;
        for (int w = 0; w < nw; w++)
        {
            int mi = (w * Q + qi) * G + g;
            float mw = sM[mi];
            if (mw == NEG_INF) continue;
            float f = expf(mw - mm);
            ll += sL[mi] * f;
            aa += sA[(long)mi * hd + d] * f;
        }
        out[(long)(t0 + qi) * nh * hd + (long)(h0 + g) * hd + d] = from_f<A>(aa / ll);
    }
}

// Instantiated where Q*G <= 16 and Q*G*NPL <= 32 (registers); CudaOps.PrefillQueries picks the same Q.
#define ATTNQ(SUF, A, G, NPL, Q) \
extern "C" __global__ void attention_prefill_g##G##_n##NPL##_q##Q##_##SUF(const float* q, const A* k, const A* v, A* o, const int* s, const int* p, int t, int nh, int nkv, int hd, int ml, float sc) \
{ pdl_entry(); attention_prefill_impl<A, G, NPL, Q>(q, k, v, o, s, p, t, nh, nkv, hd, ml, sc); }
#define DEFINE_ATTENTION_PREFILL(SUF, A) \
ATTNQ(SUF, A, 1, 1, 8) ATTNQ(SUF, A, 1, 2, 8) ATTNQ(SUF, A, 1, 4, 8) ATTNQ(SUF, A, 1, 8, 4) \
ATTNQ(SUF, A, 2, 1, 8) ATTNQ(SUF, A, 2, 2, 8) ATTNQ(SUF, A, 2, 4, 4) ATTNQ(SUF, A, 2, 8, 2) \
ATTNQ(SUF, A, 4, 1, 4) ATTNQ(SUF, A, 4, 2, 4) ATTNQ(SUF, A, 4, 4, 2) \
ATTNQ(SUF, A, 8, 1, 2) ATTNQ(SUF, A, 8, 2, 2)

DEFINE_ATTENTION_PREFILL(f32, float)
DEFINE_ATTENTION_PREFILL(bf16, bf16_t)
