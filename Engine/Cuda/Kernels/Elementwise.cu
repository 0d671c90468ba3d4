// Embedding, RMSNorm, SiLU·mul, conversions, random fill and greedy argmax.
// A = activation/weight element type (float or bf16_t); the _f32/_bf16 wrappers at the end pick it.

template <typename W>
__device__ void embed_impl(const int* ids, const W* table, float* h, int T, int H)
{
    int t = blockIdx.x;
    long row = ids[t];
    for (int i = threadIdx.x; i < H; i += blockDim.x) h[(long)t * H + i] = to_f(table[row * H + i]);
}

// y = x * rsqrt(mean(x^2) + eps) * w in fp32, written in the GEMM input type (and in fp32 to yf when given: the
// MoE router reads that copy). One block per row.
template <typename A>
__device__ void rmsnorm_impl(const float* x, const float* w, A* y, float* yf, int H, float eps, long xStride)
{
    __shared__ float scratch[32];
    const float* xr = x + blockIdx.x * xStride;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x) { float v = xr[i]; ss += v * v; }
    ss = block_sum(ss, scratch);
    float r = rsqrtf(ss / (float)H + eps);
    A* yr = y + (long)blockIdx.x * H;
    float* yfr = yf == 0 ? 0 : yf + (long)blockIdx.x * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x)
    {
        float v = w[i] * (xr[i] * r);
        yr[i] = from_f<A>(v);
        if (yfr != 0) yfr[i] = v;
    }
}

// gu rows hold [gate F | up F]; act = silu(gate) * up.
template <typename A>
__device__ void silu_mul_impl(const float* gu, A* act, long rows, int F)
{
    long n = rows * F;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
    {
        long r = i / F; int c = (int)(i - r * F);
        float g = gu[r * 2 * F + c], u = gu[r * 2 * F + F + c];
        act[i] = from_f<A>(silu_mul(g, u));
    }
}

#define DEFINE_ELEMENTWISE(SUF, A) \
extern "C" __global__ void embed_##SUF(const int* ids, const A* table, float* h, int T, int H) { pdl_entry(); embed_impl<A>(ids, table, h, T, H); } \
extern "C" __global__ void rmsnorm_##SUF(const float* x, const float* w, A* y, float* yf, int H, float eps, long xStride) { pdl_entry(); rmsnorm_impl<A>(x, w, y, yf, H, eps, xStride); } \
extern "C" __global__ void silu_mul_##SUF(const float* gu, A* act, long rows, int F) { pdl_entry(); silu_mul_impl<A>(gu, act, rows, F); }

DEFINE_ELEMENTWISE(f32, float)
DEFINE_ELEMENTWISE(bf16, bf16_t)

extern "C" __global__ void f32_to_bf16(const float* x, bf16_t* y, long n)
{ pdl_entry();
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = from_f<bf16_t>(x[i]);
}

extern "C" __global__ void bf16_to_f32(const bf16_t* x, float* y, long n)
{ pdl_entry();
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = to_f(x[i]);
}

__device__ __forceinline__ unsigned long long mix64(unsigned long long z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Approximately normal values (sum of four uniforms, unit variance) times scale; for benchmark weights only.
template <typename T>
__device__ void fill_random_impl(T* y, long n, unsigned long long seed, float scale)
{
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x)
    {
        unsigned long long r = mix64(seed ^ mix64((unsigned long long)i));
        float s = 0.0f;
        for (int j = 0; j < 4; j++) s += (float)((r >> (16 * j)) & 0xffffu) * (1.0f / 65536.0f);
        y[i] = from_f<T>((s - 2.0f) * 1.7320508f * scale);
    }
}

extern "C" __global__ void fill_random_bf16(bf16_t* y, long n, unsigned long long seed, float scale) { pdl_entry(); fill_random_impl<bf16_t>(y, n, seed, scale); }
extern "C" __global__ void fill_random_f32(float* y, long n, unsigned long long seed, float scale) { pdl_entry(); fill_random_impl<float>(y, n, seed, scale); }

extern "C" __global__ void fill_f32(float* y, long n, float v)
{ pdl_entry();
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = v;
}

__device__ __forceinline__ void argmax_take(float v, int i, float& best, int& bi)
{
    if (v > best || (v == best && i < bi)) { best = v; bi = i; }
}

// Greedy pick for row b (first index of the maximum, as torch.argmax): writes the token as the next input,
// records it in the history at position pos+1 and advances the sequence's position. One block per row. When the
// row is 16-byte aligned each thread loads four float4 before comparing, so a 32k vocabulary takes two rounds of
// memory latency instead of one per element.
extern "C" __global__ void argmax_advance(const float* logits, long rowStride, int V, int* nextTokens, int* positions,
    int* history, int historyStride)
{ pdl_entry();
    __shared__ float sv[32];
    __shared__ int si[32];
    const float* row = logits + blockIdx.x * rowStride;
    float best = NEG_INF; int bi = 0x7fffffff;
    int i0 = 0;
    if ((rowStride & 3) == 0 && (((unsigned long long)logits) & 15) == 0)
    {
        const float4* r4 = reinterpret_cast<const float4*>(row);
        int n4 = V >> 2;
        for (int base = 0; base < n4; base += 4 * blockDim.x)
        {
            float4 v[4];
#pragma unroll
            for (int u = 0; u < 4; u++)
            {
                int j = base + u * blockDim.x + threadIdx.x;
                v[u] = j < n4 ? r4[j] : make_float4(NEG_INF, NEG_INF, NEG_INF, NEG_INF);
            }
#pragma unroll
            for (int u = 0; u < 4; u++)
            {
                int j = (base + u * blockDim.x + threadIdx.x) * 4;
                argmax_take(v[u].x, j, best, bi); argmax_take(v[u].y, j + 1, best, bi);
                argmax_take(v[u].z, j + 2, best, bi); argmax_take(v[u].w, j + 3, best, bi);
            }
        }
        i0 = n4 * 4;
    }
    for (int i = i0 + threadIdx.x; i < V; i += blockDim.x) argmax_take(row[i], i, best, bi);
    for (int o = 16; o > 0; o >>= 1)
    {
        float ov = __shfl_xor_sync(0xffffffffu, best, o); int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        argmax_take(ov, oi, best, bi);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = bi; }
    __syncthreads();
    if (threadIdx.x == 0)
    {
        for (int w = 1; w < (int)(blockDim.x >> 5); w++) argmax_take(sv[w], si[w], best, bi);
        int b = blockIdx.x;
        int p = positions[b] + 1;
        nextTokens[b] = bi;
        positions[b] = p;
        history[(long)b * historyStride + p] = bi;
    }
}
