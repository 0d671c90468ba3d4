// Batch-invariant attention on tensor cores (bf16 KV cache), compiled with TensorCore.cu (appended: its mma16816 and
// mma_step). The 16 rows of a block are (query token, query head) pairs of one KV head: a decode step gives a block one
// token's heads, a prefill up to 16 / G tokens of one sequence. Key tiles of 32 positions go to warp tile % 8, in
// order; per tile a warp computes S = q k^T for its 16 rows (q in two bf16 parts, big and residual, so S is near
// fp32), each row's online softmax (masked keys p = 0), and O += P V (P in two parts too). The warps' partials merge in
// warp order. An mma row depends only on its own A row, and the softmax reductions stay within the row's lane quad, so
// a query's output has the same bits in a prefill block as alone in a decode step, whatever shares its block: what a
// re-prefill after failover needs. A tile past a row's last key leaves the row as it was (corr 1, p 0). This assumes
// what the stages guarantee: a sequence's tokens in a step sit at consecutive positions after its cached ones, so every
// value row a block reads (below its last key) is written and finite, and p = 0 times it is 0. A block whose tokens
// are of several sequences runs one pass per token; the stages' block tables (CudaOps.AttentionBlocks) avoid such blocks.
// Each warp stages its tile's value rows in shared memory (rows padded by 8 elements against bank conflicts), whence
// ldmatrix.trans hands them out in the mma's B layout. Shared memory: m, l, merge factors [8][16], row sums [32], then either the warps' value tiles
// [8][32][HD + 8] (bf16) or, once every warp is done, their partial outputs o [8][16][HD].

#define AM_WARPS 8

__device__ __forceinline__ unsigned am_pack(bf16_t lo, bf16_t hi) { return (unsigned)lo | ((unsigned)hi << 16); }

// Two floats (lower k first) as big and residual bf16 pairs: x = big + residual to about 2^-16 of x.
__device__ __forceinline__ void am_split2(float x0, float x1, unsigned& big, unsigned& res)
{
    bf16_t b0 = from_f<bf16_t>(x0), b1 = from_f<bf16_t>(x1);
    big = am_pack(b0, b1);
    res = am_pack(from_f<bf16_t>(x0 - to_f(b0)), from_f<bf16_t>(x1 - to_f(b1)));
}

// Four 8x8 bf16 matrices transposed: each row address (lanes 8i..8i+7 for matrix i) points at 16 bytes of one row.
__device__ __forceinline__ void am_ldsm_x4_trans(unsigned& r0, unsigned& r1, unsigned& r2, unsigned& r3, const bf16_t* p)
{
    unsigned at = (unsigned)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
        : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(at) : "memory");
}

template <int HD>
__device__ void attention_mma_impl(const float* q, const bf16_t* kCache, const bf16_t* vCache, bf16_t* out, const int* slots,
    const int* positions, int tokens, int nh, int nkv, int maxLen, float scale, int tpb, const int* table)
{
    constexpr int KS = HD / 32, NT = HD / 8, VS = HD + 8;
    extern __shared__ __align__(16) float sm[];
    float* sM = sm;
    float* sL = sM + AM_WARPS * 16;
    float* sF = sL + AM_WARPS * 16;
    float* sLL = sF + AM_WARPS * 16;
    float* sO = sLL + 32;
    bf16_t* myV = reinterpret_cast<bf16_t*>(sO) + (threadIdx.x >> 5) * 32 * VS;
    int G = nh / nkv, rpt = min(G, 16), hsub = (G + 15) / 16;
    int kvh = blockIdx.y / hsub, sub = blockIdx.y % hsub;
    // A block table gives each block its tokens, all of one sequence; otherwise blocks take tpb tokens in order.
    int t0 = table ? table[2 * blockIdx.x] : blockIdx.x * tpb;
    int nt = table ? table[2 * blockIdx.x + 1] : min(tpb, tokens - t0);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, c = lane & 3;
    bool one = true;
    for (int i = 1; i < nt; i++) one = one && slots[t0 + i] == slots[t0];
    // Tokens of different sequences share no keys: then each token is a pass of its own.
    for (int pass = 0; pass < (one ? 1 : nt); pass++)
    {
        int first = one ? 0 : pass, last = one ? nt : pass + 1;
        int slot = slots[t0 + first], kMax = 0;
        for (int i = first; i < last; i++) kMax = max(kMax, positions[t0 + i] + 1);
        int kEnd[2];
        uint4 qa[KS][2], qb[KS][2];
#pragma unroll
        for (int h = 0; h < 2; h++)
        {
            int r = g + 8 * h, ti = r / rpt, hh = sub * 16 + r % rpt;
            bool ok = ti >= first && ti < last && hh < G;
            kEnd[h] = ok ? positions[t0 + ti] + 1 : 0;
            const float* src = q + ((long)(t0 + ti) * nh + kvh * G + hh) * HD + c * 8;
#pragma unroll
            for (int s = 0; s < KS; s++)
            {
                float4 x = ok ? reinterpret_cast<const float4*>(src + s * 32)[0] : make_float4(0.f, 0.f, 0.f, 0.f);
                float4 y = ok ? reinterpret_cast<const float4*>(src + s * 32)[1] : make_float4(0.f, 0.f, 0.f, 0.f);
                am_split2(x.x * scale, x.y * scale, qa[s][h].x, qb[s][h].x);
                am_split2(x.z * scale, x.w * scale, qa[s][h].y, qb[s][h].y);
                am_split2(y.x * scale, y.y * scale, qa[s][h].z, qb[s][h].z);
                am_split2(y.z * scale, y.w * scale, qa[s][h].w, qb[s][h].w);
            }
        }
        float m[2] = { NEG_INF, NEG_INF }, l[2] = { 0.0f, 0.0f }, o[NT][4];
#pragma unroll
        for (int n = 0; n < NT; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;
        const bf16_t* kBase = kCache + ((long)slot * maxLen * nkv + kvh) * HD;
        const bf16_t* vBase = vCache + ((long)slot * maxLen * nkv + kvh) * HD;
        long stride = (long)nkv * HD;
        for (int kb = warp * 32; kb < kMax; kb += AM_WARPS * 32)
        {
            // The tile's value rows into this warp's staging area (cp.async), in flight while S is computed.
#pragma unroll
            for (int i = lane; i < 32 * (HD / 8); i += 32)
            {
                int key = i / (HD / 8), part = i - key * (HD / 8);
                cp_async16(myV + key * VS + part * 8, vBase + min(kb + key, kMax - 1) * stride + part * 8);
            }
            asm volatile("cp.async.commit_group;");
            // S for keys kb + t*8 + (0..7) in n-tile t; loads past the block's last key repeat it (masked anyway).
            float sc[4][4];
#pragma unroll
            for (int t = 0; t < 4; t++) sc[t][0] = sc[t][1] = sc[t][2] = sc[t][3] = 0.0f;
#pragma unroll
            for (int p = 0; p < 2; p++)
            {
                const uint4* k0 = reinterpret_cast<const uint4*>(kBase + min(kb + p * 16 + g, kMax - 1) * stride) + c;
                const uint4* k1 = reinterpret_cast<const uint4*>(kBase + min(kb + p * 16 + 8 + g, kMax - 1) * stride) + c;
#pragma unroll
                for (int s = 0; s < KS; s++)
                {
                    uint4 b0 = __ldg(k0 + s * 4), b1 = __ldg(k1 + s * 4);
                    mma_step(&sc[2 * p], qa[s][0], qa[s][1], b0, b1);
                    mma_step(&sc[2 * p], qb[s][0], qb[s][1], b0, b1);
                }
            }
            // Each row's softmax update: the lane holds row g (elements 0, 1) and row g + 8 (2, 3) of every n-tile.
#pragma unroll
            for (int h = 0; h < 2; h++)
            {
                float tmax = NEG_INF;
#pragma unroll
                for (int t = 0; t < 4; t++)
#pragma unroll
                    for (int e = 0; e < 2; e++)
                    {
                        float& v = sc[t][2 * h + e];
                        v = kb + t * 8 + c * 2 + e < kEnd[h] ? v : NEG_INF;
                        tmax = fmaxf(tmax, v);
                    }
                tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
                tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 2));
                float mn = fmaxf(m[h], tmax);
                float corr = mn == NEG_INF ? 1.0f : expf(m[h] - mn);
                float sum = 0.0f;
#pragma unroll
                for (int t = 0; t < 4; t++)
#pragma unroll
                    for (int e = 0; e < 2; e++)
                    {
                        float& v = sc[t][2 * h + e];
                        v = v == NEG_INF ? 0.0f : expf(v - mn);
                        sum += v;
                    }
                sum += __shfl_xor_sync(0xffffffffu, sum, 1);
                sum += __shfl_xor_sync(0xffffffffu, sum, 2);
                l[h] = l[h] * corr + sum;
                m[h] = mn;
#pragma unroll
                for (int n = 0; n < NT; n++) { o[n][2 * h] *= corr; o[n][2 * h + 1] *= corr; }
            }
            asm volatile("cp.async.wait_group 0;" ::: "memory");
            __syncwarp();
            // O += P V: P's k16 steps are S's n-tile pairs (the mma output layout is the next mma's A layout).
#pragma unroll
            for (int s2 = 0; s2 < 2; s2++)
            {
                unsigned a[4], r[4];
                am_split2(sc[2 * s2][0], sc[2 * s2][1], a[0], r[0]);
                am_split2(sc[2 * s2][2], sc[2 * s2][3], a[1], r[1]);
                am_split2(sc[2 * s2 + 1][0], sc[2 * s2 + 1][1], a[2], r[2]);
                am_split2(sc[2 * s2 + 1][2], sc[2 * s2 + 1][3], a[3], r[3]);
                // Matrices: keys +0..7 and +8..15 of dims n*8.. (b0, b1 of n-tile n), then of n-tile n + 1.
                const bf16_t* row = myV + (s2 * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * VS + (lane >> 4) * 8;
#pragma unroll
                for (int n = 0; n < NT; n += 2)
                {
                    unsigned b0, b1, b2, b3;
                    am_ldsm_x4_trans(b0, b1, b2, b3, row + n * 8);
                    mma16816(o[n], a[0], a[1], a[2], a[3], b0, b1);
                    mma16816(o[n], r[0], r[1], r[2], r[3], b0, b1);
                    mma16816(o[n + 1], a[0], a[1], a[2], a[3], b2, b3);
                    mma16816(o[n + 1], r[0], r[1], r[2], r[3], b2, b3);
                }
            }
            __syncwarp();
        }
        // The staging areas become the partial outputs: every warp must be past its last tile.
        __syncthreads();
#pragma unroll
        for (int h = 0; h < 2; h++)
        {
            int row = warp * 16 + g + 8 * h;
            if (c == 0) { sM[row] = m[h]; sL[row] = l[h]; }
#pragma unroll
            for (int n = 0; n < NT; n++)
            {
                sO[(long)row * HD + n * 8 + c * 2] = o[n][2 * h];
                sO[(long)row * HD + n * 8 + c * 2 + 1] = o[n][2 * h + 1];
            }
        }
        __syncthreads();
        // Each row's warp factors exp(m_w - max) and its sum, once; then every output element adds the warps in order.
        if (threadIdx.x < 16)
        {
            int r = threadIdx.x;
            float mm = NEG_INF, ll = 0.0f;
            for (int w = 0; w < AM_WARPS; w++) mm = fmaxf(mm, sM[w * 16 + r]);
            for (int w = 0; w < AM_WARPS; w++)
            {
                float mw = sM[w * 16 + r], f = mw == NEG_INF ? 0.0f : expf(mw - mm);
                sF[w * 16 + r] = f;
                if (mw != NEG_INF) ll += sL[w * 16 + r] * f;
            }
            sLL[r] = ll;
        }
        __syncthreads();
        for (int x = threadIdx.x; x < 16 * HD; x += blockDim.x)
        {
            int r = x / HD, d = x - r * HD, ti = r / rpt, hh = sub * 16 + r % rpt;
            if (ti < first || ti >= last || hh >= G) continue;
            float aa = 0.0f;
            for (int w = 0; w < AM_WARPS; w++)
            {
                if (sM[w * 16 + r] == NEG_INF) continue;
                aa += sO[(long)(w * 16 + r) * HD + d] * sF[w * 16 + r];
            }
            out[((long)(t0 + ti) * nh + kvh * G + hh) * HD + d] = from_f<bf16_t>(aa / sLL[r]);
        }
        __syncthreads();
    }
}

// Two blocks per SM (128 registers) for head_dim 64: prefill 16x512 about 6 % faster than one (154 registers); three
// (80) slow decode. Head_dim 128 holds twice the q and output fragments, so it keeps one block per SM's registers.
#define ATTN_MMA(HD, B) \
extern "C" __global__ void __launch_bounds__(256, B) attention_mma_d##HD(const float* q, const bf16_t* k, const bf16_t* v, bf16_t* o, \
    const int* s, const int* p, int t, int nh, int nkv, int ml, float sc, int tpb, const int* table) \
{ pdl_entry(); attention_mma_impl<HD>(q, k, v, o, s, p, t, nh, nkv, ml, sc, tpb, table); }
ATTN_MMA(32, 2) ATTN_MMA(64, 2) ATTN_MMA(96, 2) ATTN_MMA(128, 1)
