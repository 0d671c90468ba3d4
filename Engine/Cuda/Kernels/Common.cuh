// Shared helpers prepended to every DistInfer kernel source before NVRTC compiles it (no #include needed).
typedef unsigned short bf16_t;

__device__ __forceinline__ float to_f(float v) { return v; }
__device__ __forceinline__ float to_f(bf16_t v) { return __uint_as_float(((unsigned)v) << 16); }

template <typename T> __device__ __forceinline__ T from_f(float v);
template <> __device__ __forceinline__ float from_f<float>(float v) { return v; }
// Round to nearest even, NaN kept quiet: the same rule as torch's float -> bfloat16 cast.
template <> __device__ __forceinline__ bf16_t from_f<bf16_t>(float v)
{
    unsigned u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16_t)(u >> 16);
}

__device__ __forceinline__ float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v, float* scratch)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : 0.0f;
    return warp_sum(t);
}

// SwiGLU: silu(g) * u.
__device__ __forceinline__ float silu_mul(float g, float u) { return g / (1.0f + expf(-g)) * u; }

#define NEG_INF __int_as_float(0xff800000)

// 16 bytes of elements to floats (4 floats or 8 bf16).
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

// Eight consecutive elements (16-byte aligned for bf16, 32-byte for float) to floats.
template <typename A> __device__ __forceinline__ void load8(const A* p, float* f);
template <> __device__ __forceinline__ void load8<float>(const float* p, float* f)
{
    const uint4* v = reinterpret_cast<const uint4*>(p);
    unpack16<float>(v[0], f);
    unpack16<float>(v[1], f + 4);
}
template <> __device__ __forceinline__ void load8<bf16_t>(const bf16_t* p, float* f)
{
    unpack16<bf16_t>(*reinterpret_cast<const uint4*>(p), f);
}

// Programmatic dependent launch (sm_90+): a kernel may be launched while the previous one in the stream is still
// finishing; it first waits for that grid to complete (its writes visible), then lets the next kernel launch early.
// Every kernel starts with this, so ordering is the same as plain stream order; only launch latency is hidden.
__device__ __forceinline__ void pdl_entry()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}
