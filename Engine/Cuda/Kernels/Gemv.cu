// Skinny products for decode (a few tokens): weight-bandwidth bound, so each weight row is read once per
// chunk of up to 8 tokens with 16-byte loads. One warp per output row (or gate/up row pair), 8 warps per block.
// W row-major [N, K]; K a multiple of 16 / sizeof(A).

// Dots of NR weight rows with nt (<= 8) input rows xs[j]; every lane ends with the warp-wide sums.
template <typename A, int NR>
__device__ __forceinline__ void row_dots(const A* const* w, const A* const* xs, int nt, int K, float (*res)[8])
{
    const int EPV = 16 / sizeof(A);
    const int U = NR == 1 ? 4 : 2;
    int lane = threadIdx.x & 31, nv = K / EPV;
#pragma unroll
    for (int r = 0; r < NR; r++)
#pragma unroll
        for (int j = 0; j < 8; j++) res[r][j] = 0.0f;
    for (int v0 = lane; v0 < nv; v0 += 32 * U)
    {
        uint4 wr[NR][U];
#pragma unroll
        for (int u = 0; u < U; u++)
#pragma unroll
            for (int r = 0; r < NR; r++)
            {
                int v = v0 + u * 32;
                wr[r][u] = v < nv ? __ldg(reinterpret_cast<const uint4*>(w[r]) + v) : make_uint4(0, 0, 0, 0);
            }
#pragma unroll
        for (int u = 0; u < U; u++)
        {
            int v = v0 + u * 32;
            if (v >= nv) break;
            float wf[NR][EPV];
#pragma unroll
            for (int r = 0; r < NR; r++) unpack16<A>(wr[r][u], wf[r]);
#pragma unroll
            for (int j = 0; j < 8; j++)
            {
                if (j >= nt) break;
                uint4 xr = *(reinterpret_cast<const uint4*>(xs[j]) + v);
                float xf[EPV];
                unpack16<A>(xr, xf);
#pragma unroll
                for (int r = 0; r < NR; r++)
#pragma unroll
                    for (int e = 0; e < EPV; e++) res[r][j] += wf[r][e] * xf[e];
            }
        }
    }
#pragma unroll
    for (int r = 0; r < NR; r++)
#pragma unroll
        for (int j = 0; j < 8; j++) res[r][j] = warp_sum(res[r][j]);
}

// y[t, r] (+)= sum_k W[r, k] * x[t, k]; grid.y walks chunks of 8 tokens.
template <typename A>
__device__ void gemv_impl(const A* W, const A* x, long ldx, float* y, long ldy, int T, int N, int K, int accumulate)
{
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (r >= N) return;
    int t0 = blockIdx.y * 8, nt = min(8, T - t0);
    const A* w[1] = { W + (long)r * K };
    const A* xs[8];
    for (int j = 0; j < 8; j++) xs[j] = x + (long)(t0 + min(j, nt - 1)) * ldx;
    float res[1][8];
    row_dots<A, 1>(w, xs, nt, K, res);
    if ((threadIdx.x & 31) == 0)
        for (int j = 0; j < nt; j++)
        {
            float* o = y + (long)(t0 + j) * ldy + r;
            *o = accumulate ? *o + res[0][j] : res[0][j];
        }
}

// act[t, r] = silu(W[r] . x[t]) * (W[F + r] . x[t]) for a stacked [2F, K] gate/up matrix.
template <typename A>
__device__ void gemv_gateup_impl(const A* W, const A* x, long ldx, A* act, int T, int F, int K)
{
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (r >= F) return;
    int t0 = blockIdx.y * 8, nt = min(8, T - t0);
    const A* w[2] = { W + (long)r * K, W + (long)(F + r) * K };
    const A* xs[8];
    for (int j = 0; j < 8; j++) xs[j] = x + (long)(t0 + min(j, nt - 1)) * ldx;
    float res[2][8];
    row_dots<A, 2>(w, xs, nt, K, res);
    if ((threadIdx.x & 31) == 0)
        for (int j = 0; j < nt; j++) act[(long)(t0 + j) * F + r] = from_f<A>(silu_mul(res[0][j], res[1][j]));
}

// Expert e = active[blockIdx.y]: gate/up + SiLU for its rows offsets[e] .. +counts[e], reading the token rows of x
// through permToken (no separate gather). Experts nobody chose return at once and read no weights. With a table,
// expert e's [2F, K] matrix is table[e] (experts in separate buffers) instead of W + e * 2F * K.
template <typename A>
__device__ void moe_gateup_impl(const A* W, const A* const* table, const A* x, const int* permToken, A* act, const int* counts,
    const int* offsets, const int* active, int F, int K)
{
    int e = active[blockIdx.y];
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (e < 0 || r >= F) return;
    int cnt = counts[e];
    int off = offsets[e];
    const A* base = table ? table[e] : W + (long)e * 2 * F * K;
    const A* w[2] = { base + (long)r * K, base + (long)(F + r) * K };
    for (int c0 = 0; c0 < cnt; c0 += 8)
    {
        int nt = min(8, cnt - c0);
        const A* xs[8];
        for (int j = 0; j < 8; j++) xs[j] = x + (long)permToken[off + c0 + min(j, nt - 1)] * K;
        float res[2][8];
        row_dots<A, 2>(w, xs, nt, K, res);
        if ((threadIdx.x & 31) == 0)
            for (int j = 0; j < nt; j++) act[(long)(off + c0 + j) * F + r] = from_f<A>(silu_mul(res[0][j], res[1][j]));
    }
}

// Expert down projection on gathered rows: yg[row, r] = W[e, r] . act[row] (W[e] = table[e] with a table).
template <typename A>
__device__ void moe_down_impl(const A* W, const A* const* table, const A* act, float* yg, const int* counts, const int* offsets,
    const int* active, int N, int K)
{
    int e = active[blockIdx.y];
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (e < 0 || r >= N) return;
    int cnt = counts[e];
    int off = offsets[e];
    const A* base = table ? table[e] : W + (long)e * N * K;
    const A* w[1] = { base + (long)r * K };
    for (int c0 = 0; c0 < cnt; c0 += 8)
    {
        int nt = min(8, cnt - c0);
        const A* xs[8];
        for (int j = 0; j < 8; j++) xs[j] = act + (long)(off + c0 + min(j, nt - 1)) * K;
        float res[1][8];
        row_dots<A, 1>(w, xs, nt, K, res);
        if ((threadIdx.x & 31) == 0)
            for (int j = 0; j < nt; j++) yg[(long)(off + c0 + j) * N + r] = res[0][j];
    }
}

// Decode q/k/v projection fused with RoPE and the KV-cache write, for models without q/k norms (bias and clip
// are elementwise and applied here, in qkv_prep's order). Warp unit u < (nh + nkv) * hd/2 takes the rotate-half
// row pair (j, j + hd/2) of one q or k head; the remaining units take one v row each. q is written in fp32, k and v
// into the cache at the token's slot and position. Saves the qkv_prep launch and the fp32 qkv round trip.
template <typename A>
__device__ void gemv_qkv_rope_impl(const A* W, const A* x, long ldx, int K, const float* bias, const float* ropeCos,
    const float* ropeSin, const int* slots, const int* positions, float* q, A* kCache, A* vCache, int T, int nh, int nkv,
    int hd, int maxLen, float clip, int flags)
{
    int u = blockIdx.x * 8 + (threadIdx.x >> 5);
    int half = hd / 2, pairs = (nh + nkv) * half, kw = nkv * hd, qw = nh * hd;
    if (u >= pairs + kw) return;
    int t0 = blockIdx.y * 8, nt = min(8, T - t0);
    const A* xs[8];
    for (int j = 0; j < 8; j++) xs[j] = x + (long)(t0 + min(j, nt - 1)) * ldx;
    bool lane0 = (threadIdx.x & 31) == 0;
    if (u < pairs)
    {
        int hh = u / half, j = u - hh * half;
        int r1 = hh * hd + j, r2 = r1 + half;
        const A* w[2] = { W + (long)r1 * K, W + (long)r2 * K };
        float res[2][8];
        row_dots<A, 2>(w, xs, nt, K, res);
        if (!lane0) return;
        for (int jt = 0; jt < nt; jt++)
        {
            int t = t0 + jt;
            float x1 = res[0][jt], x2 = res[1][jt];
            if (flags & 1) { x1 += bias[r1]; x2 += bias[r2]; }
            if (flags & 8) { x1 = fminf(fmaxf(x1, -clip), clip); x2 = fminf(fmaxf(x2, -clip), clip); }
            int pos = positions[t], slot = slots[t];
            float c = ropeCos[(long)pos * half + j], sn = ropeSin[(long)pos * half + j];
            float o1 = x1 * c - x2 * sn;
            float o2 = x2 * c + x1 * sn;
            if (hh < nh)
            {
                q[(long)t * qw + r1] = o1;
                q[(long)t * qw + r2] = o2;
            }
            else
            {
                long base = (((long)slot * maxLen + pos) * nkv + (hh - nh)) * hd;
                kCache[base + j] = from_f<A>(o1);
                kCache[base + j + half] = from_f<A>(o2);
            }
        }
    }
    else
    {
        int vi = u - pairs, r = qw + kw + vi;
        const A* w[1] = { W + (long)r * K };
        float res[1][8];
        row_dots<A, 1>(w, xs, nt, K, res);
        if (!lane0) return;
        for (int jt = 0; jt < nt; jt++)
        {
            int t = t0 + jt;
            float v = res[0][jt];
            if (flags & 1) v += bias[r];
            if (flags & 8) v = fminf(fmaxf(v, -clip), clip);
            vCache[((long)slots[t] * maxLen + positions[t]) * kw + vi] = from_f<A>(v);
        }
    }
}

#define DEFINE_GEMV(SUF, A) \
extern "C" __global__ void gemv_##SUF(const A* W, const A* x, long ldx, float* y, long ldy, int T, int N, int K, int acc) { pdl_entry(); gemv_impl<A>(W, x, ldx, y, ldy, T, N, K, acc); } \
extern "C" __global__ void gemv_gateup_##SUF(const A* W, const A* x, long ldx, A* act, int T, int F, int K) { pdl_entry(); gemv_gateup_impl<A>(W, x, ldx, act, T, F, K); } \
extern "C" __global__ void moe_gateup_##SUF(const A* W, const A* x, const int* perm, A* act, const int* c, const int* o, const int* a, int F, int K) { pdl_entry(); moe_gateup_impl<A>(W, nullptr, x, perm, act, c, o, a, F, K); } \
extern "C" __global__ void moe_down_##SUF(const A* W, const A* act, float* yg, const int* c, const int* o, const int* a, int N, int K) { pdl_entry(); moe_down_impl<A>(W, nullptr, act, yg, c, o, a, N, K); } \
extern "C" __global__ void moe_gateup_table_##SUF(const A* const* Wt, const A* x, const int* perm, A* act, const int* c, const int* o, const int* a, int F, int K) { pdl_entry(); moe_gateup_impl<A>(nullptr, Wt, x, perm, act, c, o, a, F, K); } \
extern "C" __global__ void moe_down_table_##SUF(const A* const* Wt, const A* act, float* yg, const int* c, const int* o, const int* a, int N, int K) { pdl_entry(); moe_down_impl<A>(nullptr, Wt, act, yg, c, o, a, N, K); } \
extern "C" __global__ void gemv_qkv_rope_##SUF(const A* W, const A* x, long ldx, int K, const float* bias, const float* cs, const float* sn, \
    const int* slots, const int* pos, float* q, A* kc, A* vc, int T, int nh, int nkv, int hd, int maxLen, float clip, int flags) \
{ pdl_entry(); gemv_qkv_rope_impl<A>(W, x, ldx, K, bias, cs, sn, slots, pos, q, kc, vc, T, nh, nkv, hd, maxLen, clip, flags); }

DEFINE_GEMV(f32, float)
DEFINE_GEMV(bf16, bf16_t)
