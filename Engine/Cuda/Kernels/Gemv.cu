// Skinny products for decode (a few tokens): weight-bandwidth bound, so each weight row is read once per
// chunk of up to 8 tokens with 16-byte loads. One warp per output row, 8 rows per block.
// y[t, r] (+)= sum_k W[r, k] * x[t, k]; W row-major [N, K]; K a multiple of 16 / sizeof(A).

template <typename A> __device__ __forceinline__ void unpack16(const uint4& v, float* f);
template <> __device__ __forceinline__ void unpack16<float>(const uint4& v, float* f)
{
    f[0] = __uint_as_float(v.x); f[1] = __uint_as_float(v.y); f[2] = __uint_as_float(v.z); f[3] = __uint_as_float(v.w);
}
template <> __device__ __forceinline__ void unpack16<bf16_t>(const uint4& v, float* f)
{
    f[0] = __uint_as_float(v.x << 16); f[1] = __uint_as_float(v.x & 0xffff0000u);
    f[2] = __uint_as_float(v.y << 16); f[3] = __uint_as_float(v.y & 0xffff0000u);
    f[4] = __uint_as_float(v.z << 16); f[5] = __uint_as_float(v.z & 0xffff0000u);
    f[6] = __uint_as_float(v.w << 16); f[7] = __uint_as_float(v.w & 0xffff0000u);
}

// Dots of one weight row with nt (<= 8) input rows; lane 0 of the warp ends with the sums.
template <typename A>
__device__ __forceinline__ void row_dots(const A* w, const A* x, long ldx, int nt, int K, float* res)
{
    const int EPV = 16 / sizeof(A);
    int lane = threadIdx.x & 31, nv = K / EPV;
    float acc[8];
#pragma unroll
    for (int j = 0; j < 8; j++) acc[j] = 0.0f;
    const uint4* wv = reinterpret_cast<const uint4*>(w);
    for (int v0 = lane; v0 < nv; v0 += 32 * 4)
    {
        uint4 wr[4];
#pragma unroll
        for (int u = 0; u < 4; u++)
        {
            int v = v0 + u * 32;
            if (v < nv) wr[u] = __ldg(wv + v); else wr[u] = make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int u = 0; u < 4; u++)
        {
            int v = v0 + u * 32;
            if (v >= nv) break;
            float wf[EPV];
            unpack16<A>(wr[u], wf);
#pragma unroll
            for (int j = 0; j < 8; j++)
            {
                if (j >= nt) break;
                uint4 xr = *reinterpret_cast<const uint4*>(x + j * ldx + (long)v * EPV);
                float xf[EPV];
                unpack16<A>(xr, xf);
#pragma unroll
                for (int e = 0; e < EPV; e++) acc[j] += wf[e] * xf[e];
            }
        }
    }
#pragma unroll
    for (int j = 0; j < 8; j++) res[j] = warp_sum(acc[j]);
}

template <typename A>
__device__ void gemv_impl(const A* W, const A* x, long ldx, float* y, long ldy, int T, int N, int K, int accumulate)
{
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (r >= N) return;
    int t0 = blockIdx.y * 8, nt = min(8, T - t0);
    float res[8];
    row_dots<A>(W + (long)r * K, x + t0 * ldx, ldx, nt, K, res);
    if ((threadIdx.x & 31) == 0)
        for (int j = 0; j < nt; j++)
        {
            float* o = y + (long)(t0 + j) * ldy + r;
            *o = accumulate ? *o + res[j] : res[j];
        }
}

// Expert e (blockIdx.y) multiplies its gathered rows offsets[e] .. offsets[e]+counts[e]; experts with no
// tokens return at once, so only the chosen experts' weights are read.
template <typename A>
__device__ void moe_gemv_impl(const A* W, const A* xg, float* yg, const int* counts, const int* offsets, int N, int K)
{
    int e = blockIdx.y;
    int cnt = counts[e];
    int r = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (cnt == 0 || r >= N) return;
    int off = offsets[e];
    const A* w = W + ((long)e * N + r) * K;
    for (int c0 = 0; c0 < cnt; c0 += 8)
    {
        int nt = min(8, cnt - c0);
        float res[8];
        row_dots<A>(w, xg + (long)(off + c0) * K, K, nt, K, res);
        if ((threadIdx.x & 31) == 0)
            for (int j = 0; j < nt; j++) yg[(long)(off + c0 + j) * N + r] = res[j];
    }
}

extern "C" __global__ void gemv_f32(const float* W, const float* x, long ldx, float* y, long ldy, int T, int N, int K, int acc) { gemv_impl<float>(W, x, ldx, y, ldy, T, N, K, acc); }
extern "C" __global__ void gemv_bf16(const bf16_t* W, const bf16_t* x, long ldx, float* y, long ldy, int T, int N, int K, int acc) { gemv_impl<bf16_t>(W, x, ldx, y, ldy, T, N, K, acc); }
extern "C" __global__ void moe_gemv_f32(const float* W, const float* xg, float* yg, const int* c, const int* o, int N, int K) { moe_gemv_impl<float>(W, xg, yg, c, o, N, K); }
extern "C" __global__ void moe_gemv_bf16(const bf16_t* W, const bf16_t* xg, float* yg, const int* c, const int* o, int N, int K) { moe_gemv_impl<bf16_t>(W, xg, yg, c, o, N, K); }
