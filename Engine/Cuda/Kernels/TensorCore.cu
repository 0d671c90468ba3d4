// Batch-invariant products on tensor cores (bf16 in, fp32 sums): out[row, n] = sum_k W[n, k] * x[row, k], with a
// summation order fixed by K alone, so a token's result has the same bits whatever rows share its step. K is cut into
// chunks of KC; each chunk is a chain of m16n8k16 mmas from zero in k order, and the chunk sums are added in chunk
// order. An mma's output element depends only on its own A row and B column, so the number of rows, the m-tile a row
// falls in and padding rows change nothing. Two launch shapes give identical bits:
//   serial: one warp walks every chunk of 64 rows x one unit (many rows: weights reused over 4 m-tiles; eight such
//           warps share their rows and weights through shared memory);
//   split:  each warp of a block takes one chunk of 16 rows x one unit, a block sum adds the chunks (few rows: K/KC
//           times more warps streaming the weights, as decode needs).
// A unit is two n8 tiles: 16 outputs of a plain product, or 8 gate rows and their 8 up rows (W stacked [2F, K]), whose
// SiLU product is written in the input type. Each lane loads 16 bytes of a weight row and of its two A rows per
// 32 k; the eight values are handed to the two k16 mmas of that step in a fixed permuted order, the same for A and B.
// Rows come through a segment: the expert active[z] (counts/offsets) with its weights at table[e] or W + e * wStride,
// or all `rows` rows of a plain product; perm maps a segment row to its input row. K a multiple of 32; ldx of 8.

__device__ __forceinline__ void mma16816(float* c, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1)
{
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// One k32 step of an m16 tile against the unit's two n8 tiles: lo/hi are the lane's A rows g and g + 8.
__device__ __forceinline__ void mma_step(float (*acc)[4], const uint4& lo, const uint4& hi, const uint4& b0, const uint4& b1)
{
    mma16816(acc[0], lo.x, hi.x, lo.y, hi.y, b0.x, b0.y);
    mma16816(acc[0], lo.z, hi.z, lo.w, hi.w, b0.z, b0.w);
    mma16816(acc[1], lo.x, hi.x, lo.y, hi.y, b1.x, b1.y);
    mma16816(acc[1], lo.z, hi.z, lo.w, hi.w, b1.z, b1.w);
}

struct TcSegment
{
    const bf16_t* w;
    int count, offset;
};

__device__ __forceinline__ bool tc_segment(const bf16_t* W, const bf16_t* const* table, long wStride, const int* counts,
    const int* offsets, const int* active, int rows, TcSegment& s)
{
    if (!active)
    {
        s.w = W; s.count = rows; s.offset = 0;
        return rows > 0;
    }
    int e = active[blockIdx.z];
    if (e < 0) return false;
    s.count = counts[e];
    s.offset = offsets[e];
    s.w = table ? table[e] : W + (long)e * wStride;
    return s.count > 0;
}

// The unit's two weight rows for this lane (clamped: rows past N compute values nobody stores).
template <bool GU>
__device__ __forceinline__ void tc_weight_rows(const bf16_t* w, int unit, int g, int N, int K, const uint4*& w0, const uint4*& w1)
{
    int r0, r1;
    if (GU) { r0 = min(unit * 8 + g, N - 1); r1 = N + r0; }
    else { r0 = min(unit * 16 + g, N - 1); r1 = min(unit * 16 + 8 + g, N - 1); }
    w0 = reinterpret_cast<const uint4*>(w + (long)r0 * K);
    w1 = reinterpret_cast<const uint4*>(w + (long)r1 * K);
}

__device__ __forceinline__ const uint4* tc_row(const bf16_t* x, long ldx, const int* perm, const TcSegment& s, int i)
{
    i = min(i, s.count - 1);
    long src = perm ? perm[s.offset + i] : s.offset + i;
    return reinterpret_cast<const uint4*>(x + src * ldx);
}

// Writes the finished sums of segment row i: plain (col0 = the first of the lane's two columns of tile 0 or 1), or the
// SiLU of a gate/up pair.
template <bool GU>
__device__ __forceinline__ void tc_store(float v0, float v1, float u0, float u1, const TcSegment& s, int i, int col, int N,
    float* y, long ldy, int accumulate, bf16_t* act)
{
    if (i >= s.count) return;
    long row = s.offset + i;
    if (GU)
    {
        if (col < N) act[row * N + col] = from_f<bf16_t>(silu_mul(v0, u0));
        if (col + 1 < N) act[row * N + col + 1] = from_f<bf16_t>(silu_mul(v1, u1));
    }
    else
    {
        float* o = y + row * ldy + col;
        if (col < N) o[0] = accumulate ? o[0] + v0 : v0;
        if (col + 1 < N) o[1] = accumulate ? o[1] + v1 : v1;
    }
}

__device__ __forceinline__ void cp_async16(void* shared, const void* global)
{
    unsigned at = (unsigned)__cvta_generic_to_shared(shared);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(at), "l"(global));
}

// Serial shape: 8 warps share a 128-row x 4-unit block tile staged through shared memory (three cp.async stages of
// 32 k); warp (wm, wu) computes rows wm * 64 .. +63 of unit wu exactly as a lone warp would: the same fragments, the
// same mma order, the same chunk sums.
template <bool GU>
__device__ void tc_serial(const bf16_t* W, const bf16_t* const* table, long wStride, const bf16_t* x, long ldx, const int* perm,
    float* y, long ldy, int accumulate, bf16_t* act, const int* counts, const int* offsets, const int* active, int rows, int N,
    int K, int KC)
{
    __shared__ uint4 sa[3][128 * 4];
    __shared__ uint4 sb[3][64 * 4];
    TcSegment s;
    if (!tc_segment(W, table, wStride, counts, offsets, active, rows, s)) return;
    int tid = threadIdx.x, lane = tid & 31, g = lane >> 2, q = lane & 3, warp = tid >> 5, wm = warp >> 2, wu = warp & 3;
    int units = GU ? (N + 7) / 8 : (N + 15) / 16, unit0 = blockIdx.x * 4;
    if (unit0 >= units) return;
    int unit = unit0 + wu;
    // This thread's weight row to stage: shared row tid / 4 = wu' * 16 + t * 8 + g' of unit unit0 + wu'.
    const uint4* wsrc;
    {
        int r = tid >> 2, u = unit0 + (r >> 4), t = (r >> 3) & 1, gg = r & 7, wr;
        if (GU) { int c = min(u * 8 + gg, N - 1); wr = t ? N + c : c; }
        else wr = min(u * 16 + t * 8 + gg, N - 1);
        wsrc = reinterpret_cast<const uint4*>(s.w + (long)wr * K) + q;
    }
    int steps = K >> 5;
    for (int r0 = blockIdx.y * 128; r0 < s.count; r0 += gridDim.y * 128)
    {
        const uint4* asrc0 = tc_row(x, ldx, perm, s, r0 + (tid >> 2)) + q;
        const uint4* asrc1 = tc_row(x, ldx, perm, s, r0 + 64 + (tid >> 2)) + q;
        auto issue = [&](int step) {
            int buf = step % 3, v = step * 4;
            cp_async16(&sa[buf][tid], asrc0 + v);
            cp_async16(&sa[buf][tid + 256], asrc1 + v);
            cp_async16(&sb[buf][tid], wsrc + v);
        };
        issue(0);
        asm volatile("cp.async.commit_group;");
        if (steps > 1) issue(1);
        asm volatile("cp.async.commit_group;");
        float tot[4][2][4], acc[4][2][4];
        for (int st = 0; st < steps; st++)
        {
            if (st + 2 < steps) issue(st + 2);
            asm volatile("cp.async.commit_group;");
            asm volatile("cp.async.wait_group 2;" ::: "memory");
            __syncthreads();
            int k = st * 32, buf = st % 3;
            if (k % KC == 0)
            {
#pragma unroll
                for (int m = 0; m < 4; m++)
#pragma unroll
                    for (int t = 0; t < 2; t++)
#pragma unroll
                        for (int j = 0; j < 4; j++) acc[m][t][j] = 0.0f;
            }
            uint4 b0 = sb[buf][(wu * 16 + g) * 4 + q], b1 = sb[buf][(wu * 16 + 8 + g) * 4 + q];
#pragma unroll
            for (int m = 0; m < 4; m++)
            {
                int row = wm * 64 + m * 16 + g;
                mma_step(acc[m], sa[buf][row * 4 + q], sa[buf][(row + 8) * 4 + q], b0, b1);
            }
            if ((k + 32) % KC == 0 || k + 32 == K)
            {
                bool first = k < KC;
#pragma unroll
                for (int m = 0; m < 4; m++)
#pragma unroll
                    for (int t = 0; t < 2; t++)
#pragma unroll
                        for (int j = 0; j < 4; j++) tot[m][t][j] = first ? acc[m][t][j] : tot[m][t][j] + acc[m][t][j];
            }
            __syncthreads();
        }
        if (unit >= units) continue;
#pragma unroll
        for (int m = 0; m < 4; m++)
#pragma unroll
            for (int h = 0; h < 2; h++)
            {
                int i = r0 + wm * 64 + m * 16 + h * 8 + g;
                if (GU)
                    tc_store<true>(tot[m][0][2 * h], tot[m][0][2 * h + 1], tot[m][1][2 * h], tot[m][1][2 * h + 1], s, i, unit * 8 + 2 * q, N, y, ldy, accumulate, act);
                else
#pragma unroll
                    for (int t = 0; t < 2; t++)
                        tc_store<false>(tot[m][t][2 * h], tot[m][t][2 * h + 1], 0.0f, 0.0f, s, i, unit * 16 + t * 8 + 2 * q, N, y, ldy, accumulate, act);
            }
    }
}

// Split shape: blockDim.x / 32 == the number of chunks; dynamic shared memory holds chunks * 256 floats.
template <bool GU>
__device__ void tc_split(const bf16_t* W, const bf16_t* const* table, long wStride, const bf16_t* x, long ldx, const int* perm,
    float* y, long ldy, int accumulate, bf16_t* act, const int* counts, const int* offsets, const int* active, int rows, int N,
    int K, int KC)
{
    extern __shared__ float part[];
    TcSegment s;
    if (!tc_segment(W, table, wStride, counts, offsets, active, rows, s)) return;
    int lane = threadIdx.x & 31, g = lane >> 2, q = lane & 3, chunk = threadIdx.x >> 5, chunks = blockDim.x >> 5;
    int unit = blockIdx.x;
    if (unit >= (GU ? (N + 7) / 8 : (N + 15) / 16)) return;
    const uint4 *w0, *w1;
    tc_weight_rows<GU>(s.w, unit, g, N, K, w0, w1);
    int c0 = chunk * KC, end = min(c0 + KC, K);
    for (int r0 = blockIdx.y * 16; r0 < s.count; r0 += gridDim.y * 16)
    {
        const uint4* lo = tc_row(x, ldx, perm, s, r0 + g);
        const uint4* hi = tc_row(x, ldx, perm, s, r0 + 8 + g);
        float acc[2][4] = { { 0.0f, 0.0f, 0.0f, 0.0f }, { 0.0f, 0.0f, 0.0f, 0.0f } };
        for (int k = c0; k < end; k += 32)
        {
            int v = (k >> 3) + q;
            mma_step(acc, lo[v], hi[v], __ldg(w0 + v), __ldg(w1 + v));
        }
        // part[chunk][row 0..15][col 0..15]: tile t's columns at t * 8.
        float* p = part + chunk * 256;
#pragma unroll
        for (int t = 0; t < 2; t++)
#pragma unroll
            for (int h = 0; h < 2; h++)
            {
                p[(h * 8 + g) * 16 + t * 8 + 2 * q] = acc[t][2 * h];
                p[(h * 8 + g) * 16 + t * 8 + 2 * q + 1] = acc[t][2 * h + 1];
            }
        __syncthreads();
        // Chunk sums added in chunk order, as the serial shape adds them.
        for (int o = threadIdx.x; o < (GU ? 128 : 256); o += blockDim.x)
        {
            int row = GU ? o >> 3 : o >> 4, col = GU ? o & 7 : o & 15;
            int at = row * 16 + col;
            float sum = part[at];
            for (int c = 1; c < chunks; c++) sum += part[c * 256 + at];
            if (GU)
            {
                float up = part[at + 8];
                for (int c = 1; c < chunks; c++) up += part[c * 256 + at + 8];
                int i = r0 + row;
                if (i < s.count && unit * 8 + col < N) act[(s.offset + (long)i) * N + unit * 8 + col] = from_f<bf16_t>(silu_mul(sum, up));
            }
            else
            {
                int i = r0 + row, n = unit * 16 + col;
                if (i < s.count && n < N)
                {
                    float* out = y + (s.offset + (long)i) * ldy + n;
                    *out = accumulate ? *out + sum : sum;
                }
            }
        }
        __syncthreads();
    }
}

#define TC_ARGS const bf16_t* W, const bf16_t* const* table, long wStride, const bf16_t* x, long ldx, const int* perm, float* y, \
    long ldy, int acc, bf16_t* act, const int* counts, const int* offsets, const int* active, int rows, int N, int K, int KC
#define TC_PASS W, table, wStride, x, ldx, perm, y, ldy, acc, act, counts, offsets, active, rows, N, K, KC

extern "C" __global__ void tc_linear_serial(TC_ARGS) { pdl_entry(); tc_serial<false>(TC_PASS); }
extern "C" __global__ void tc_linear_split(TC_ARGS) { pdl_entry(); tc_split<false>(TC_PASS); }
extern "C" __global__ void tc_gateup_serial(TC_ARGS) { pdl_entry(); tc_serial<true>(TC_PASS); }
extern "C" __global__ void tc_gateup_split(TC_ARGS) { pdl_entry(); tc_split<true>(TC_PASS); }
