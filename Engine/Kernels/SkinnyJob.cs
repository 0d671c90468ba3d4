namespace DistInfer.Engine.Kernels;

/// <summary>
/// One skinny product split into parts of <see cref="Step"/> output columns. With <see cref="B16"/> set, B is
/// bf16 [n,k] and <see cref="ASplit"/> holds each A row deinterleaved (even then odd elements, k/2 each).
/// </summary>
internal readonly unsafe struct SkinnyJob(GemmOperands op, ushort* b16, float* aSplit, int parts, int step)
{
    public GemmOperands Op { get; } = op;

    public ushort* B16 { get; } = b16;

    public float* ASplit { get; } = aSplit;

    public int Parts { get; } = parts;

    public int Step { get; } = step;

    public SkinnyJob WithSplit(int parts, int step) => new(Op, B16, ASplit, parts, step);
}
