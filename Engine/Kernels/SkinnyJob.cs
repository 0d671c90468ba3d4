namespace DistInfer.Engine.Kernels;

/// <summary>One skinny product split into <see cref="Parts"/> parts of <see cref="Step"/> output columns.</summary>
internal readonly struct SkinnyJob(GemmOperands op, int parts, int step)
{
    public GemmOperands Op { get; } = op;

    public int Parts { get; } = parts;

    public int Step { get; } = step;

    /// <summary>What the parts divide: columns of C.</summary>
    public int Units => Op.N;

    public SkinnyJob WithSplit(int parts, int step) => new(Op, parts, step);
}
