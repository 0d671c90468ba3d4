// MoE routing: softmax + top-k, a counting sort of (token, slot) pairs by expert, the row gather and the
// weighted combine back into the residual stream.

// One block of up to 1024 threads for all T tokens (E <= 1024, K <= 16). Outputs:
// topkIds/topkW [T*K], counts[E], offsets[E+1], permToken[row] (gathered row -> token), inv[t*K+k] (-> row).
// Also writes active[0..E): the ids of experts with tokens, in order, then -1; expert kernels launched over
// min(E, T*K) slots read it so unchosen experts cost no blocks.
__device__ void route_impl(const float* logits, int ld, int T, int E, int K, int renorm,
    int* topkIds, float* topkW, int* counts, int* offsets, int* permToken, int* inv, int* active)
{
    __shared__ int sCount[1024];
    __shared__ int sOff[1025];
    for (int e = threadIdx.x; e < E; e += blockDim.x) sCount[e] = 0;
    __syncthreads();
    for (int t = threadIdx.x; t < T; t += blockDim.x)
    {
        const float* row = logits + (long)t * ld;
        // Up to 64 experts: exp(logit - max) kept in registers/local memory, so each logit is read once.
        float ex[64];
        bool cached = E <= 64;
        float mx = NEG_INF;
        for (int e = 0; e < E; e++)
        {
            float v = row[e];
            if (cached) ex[e] = v;
            mx = fmaxf(mx, v);
        }
        float sum = 0.0f;
        for (int e = 0; e < E; e++)
        {
            float v = expf((cached ? ex[e] : row[e]) - mx);
            if (cached) ex[e] = v;
            sum += v;
        }
        int ids[16]; float w[16]; float wsum = 0.0f;
        for (int k = 0; k < K; k++)
        {
            int best = -1; float bv = NEG_INF;
            for (int e = 0; e < E; e++)
            {
                bool taken = false;
                for (int j = 0; j < k; j++) taken |= ids[j] == e;
                float p = (cached ? ex[e] : expf(row[e] - mx)) / sum;
                if (!taken && (best < 0 || p > bv)) { best = e; bv = p; }
            }
            ids[k] = best; w[k] = bv; wsum += bv;
        }
        for (int k = 0; k < K; k++)
        {
            topkIds[t * K + k] = ids[k];
            topkW[t * K + k] = renorm ? w[k] / wsum : w[k];
            inv[t * K + k] = atomicAdd(&sCount[ids[k]], 1);
        }
    }
    __syncthreads();
    if (threadIdx.x == 0)
    {
        sOff[0] = 0;
        int n = 0;
        for (int e = 0; e < E; e++)
        {
            sOff[e + 1] = sOff[e] + sCount[e];
            if (sCount[e] > 0) active[n++] = e;
        }
        for (int e = n; e < E; e++) active[e] = -1;
    }
    __syncthreads();
    for (int e = threadIdx.x; e <= E; e += blockDim.x)
    {
        offsets[e] = sOff[e];
        if (e < E) counts[e] = sCount[e];
    }
    for (int i = threadIdx.x; i < T * K; i += blockDim.x)
    {
        int r = sOff[topkIds[i]] + inv[i];
        inv[i] = r;
        permToken[r] = i / K;
    }
}

extern "C" __global__ void router_topk(const float* logits, int ld, int T, int E, int K, int renorm,
    int* topkIds, float* topkW, int* counts, int* offsets, int* permToken, int* inv, int* active)
{ pdl_entry();
    route_impl(logits, ld, T, E, K, renorm, topkIds, topkW, counts, offsets, permToken, inv, active);
}

template <typename A>
__device__ void gather_rows_impl(const A* x, A* xg, const int* permToken, int H)
{
    long r = blockIdx.x;
    const A* src = x + (long)permToken[r] * H;
    for (int i = threadIdx.x; i < H; i += blockDim.x) xg[r * H + i] = src[i];
}

// h[t] += sum_k w[t,k] * yg[inv[t,k]] (+ sigmoid(gate logit) * shared[t]); then, when normW is given, the next
// RMSNorm of the new h into y (saves a launch per layer). One block per token; shared memory holds the row.
template <typename A>
__device__ void moe_combine_impl(float* h, const float* yg, const int* inv, const float* topkW, int K, int H,
    const float* shared, const float* gateLogits, int gateLd, int gateCol, const float* normW, A* y, float eps)
{
    extern __shared__ float row[];
    __shared__ float scratch[32];
    int t = blockIdx.x;
    float sg = 0.0f;
    if (shared != 0) sg = 1.0f / (1.0f + expf(-gateLogits[(long)t * gateLd + gateCol]));
    float ss = 0.0f;
    for (int i = threadIdx.x; i < H; i += blockDim.x)
    {
        float acc = 0.0f;
        for (int k = 0; k < K; k++) acc += topkW[t * K + k] * yg[(long)inv[t * K + k] * H + i];
        if (shared != 0) acc += sg * shared[(long)t * H + i];
        float v = h[(long)t * H + i] + acc;
        h[(long)t * H + i] = v;
        row[i] = v;
        ss += v * v;
    }
    if (normW == 0) return;
    ss = block_sum(ss, scratch);
    float r = rsqrtf(ss / (float)H + eps);
    for (int i = threadIdx.x; i < H; i += blockDim.x) y[(long)t * H + i] = from_f<A>(normW[i] * (row[i] * r));
}

extern "C" __global__ void moe_combine_f32(float* h, const float* yg, const int* inv, const float* topkW, int K, int H,
    const float* shared, const float* gateLogits, int gateLd, int gateCol, const float* normW, float* y, float eps)
{ pdl_entry(); moe_combine_impl<float>(h, yg, inv, topkW, K, H, shared, gateLogits, gateLd, gateCol, normW, y, eps); }
extern "C" __global__ void moe_combine_bf16(float* h, const float* yg, const int* inv, const float* topkW, int K, int H,
    const float* shared, const float* gateLogits, int gateLd, int gateCol, const float* normW, bf16_t* y, float eps)
{ pdl_entry(); moe_combine_impl<bf16_t>(h, yg, inv, topkW, K, H, shared, gateLogits, gateLd, gateCol, normW, y, eps); }

extern "C" __global__ void gather_rows_f32(const float* x, float* xg, const int* permToken, int H) { pdl_entry(); gather_rows_impl<float>(x, xg, permToken, H); }
extern "C" __global__ void gather_rows_bf16(const bf16_t* x, bf16_t* xg, const int* permToken, int H) { pdl_entry(); gather_rows_impl<bf16_t>(x, xg, permToken, H); }

// Router for a few tokens (T <= 32) in one block of 1024 threads, in fp32 throughout (weights, input, logits).
// Step 1, the post-attention RMSNorm of the residual h: 32/T warps per token, so one token's row is read in one
// round of memory latency; it writes the GEMM-input copy xn for the experts and the fp32 copy xnf for the router.
// Step 2, logits[t, r] = xnf[t] . W[r] for r < rows (E routed experts, plus the shared-expert gate row when
// present): 32/(T*rows) warps per dot when that is more than one, partial sums added in a fixed order. H is a
// multiple of 4. Step 3 is router_topk's work.
__device__ __forceinline__ float dot4_range(const float* x, const float* w, int i0, int step, int H)
{
    float acc = 0.0f;
    for (int i = i0; i < H; i += 4 * step)
    {
        float4 xv[4], wv[4];
#pragma unroll
        for (int u = 0; u < 4; u++)
        {
            int j = i + u * step;
            xv[u] = j < H ? *reinterpret_cast<const float4*>(x + j) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            wv[u] = j < H ? __ldg(reinterpret_cast<const float4*>(w + j)) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
#pragma unroll
        for (int u = 0; u < 4; u++) acc += xv[u].x * wv[u].x + xv[u].y * wv[u].y + xv[u].z * wv[u].z + xv[u].w * wv[u].w;
    }
    return acc;
}

template <typename A>
__device__ void router_norm_impl(const float* h, const float* normW, float eps, A* xn, float* xnf, const float* W,
    float* logits, int T, int rows, int H)
{
    __shared__ float sPart[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    int gw = max(1, nw / T);
    int t = warp / gw, tid = (warp - t * gw) * 32 + lane, gs = gw * 32;
    bool mine = t < T;
    float ss = 0.0f;
    if (mine)
        for (int i = tid; i < H; i += gs) { float v = h[(long)t * H + i]; ss += v * v; }
    ss = warp_sum(ss);
    if (lane == 0) sPart[warp] = ss;
    __syncthreads();
    if (mine)
    {
        float tot = 0.0f;
        for (int w = 0; w < gw; w++) tot += sPart[t * gw + w];
        float r = rsqrtf(tot / (float)H + eps);
        for (int i = tid; i < H; i += gs)
        {
            float v = normW[i] * (h[(long)t * H + i] * r);
            xn[(long)t * H + i] = from_f<A>(v);
            xnf[(long)t * H + i] = v;
        }
    }
    // Global writes of this block are visible to its other threads after the barrier (sPart is free again too).
    __syncthreads();
    int P = T * rows, gd = nw / P;
    if (gd > 1)
    {
        int p = warp / gd, sub = warp - p * gd;
        float acc = 0.0f;
        if (p < P)
        {
            int tt = p / rows, rr = p - tt * rows;
            acc = dot4_range(xnf + (long)tt * H, W + (long)rr * H, (sub * 32 + lane) * 4, gd * 128, H);
        }
        acc = warp_sum(acc);
        if (lane == 0) sPart[warp] = acc;
        __syncthreads();
        if (threadIdx.x < P)
        {
            float sum = 0.0f;
            for (int w = 0; w < gd; w++) sum += sPart[threadIdx.x * gd + w];
            logits[threadIdx.x] = sum;
        }
    }
    else
    {
        for (int p = warp; p < P; p += nw)
        {
            int tt = p / rows, rr = p - tt * rows;
            float acc = warp_sum(dot4_range(xnf + (long)tt * H, W + (long)rr * H, lane * 4, 128, H));
            if (lane == 0) logits[p] = acc;
        }
    }
}

// Norm, router GEMV and routing in one launch for decode-sized batches (H a multiple of 4).
#define DEFINE_ROUTER(SUF, A) \
extern "C" __global__ void router_norm_fused_##SUF(const float* h, const float* normW, float eps, A* xn, float* xnf, \
    const float* W, float* logits, int T, int rows, int H, int E, int K, int renorm, int* topkIds, float* topkW, int* counts, \
    int* offsets, int* permToken, int* inv, int* active) \
{ pdl_entry(); \
    router_norm_impl<A>(h, normW, eps, xn, xnf, W, logits, T, rows, H); \
    __syncthreads(); \
    route_impl(logits, rows, T, E, K, renorm, topkIds, topkW, counts, offsets, permToken, inv, active); \
}
DEFINE_ROUTER(f32, float)
DEFINE_ROUTER(bf16, bf16_t)
