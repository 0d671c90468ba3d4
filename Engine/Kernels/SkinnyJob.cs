namespace DistInfer.Engine.Kernels;

/// <summary>
/// One skinny product split into parts of <see cref="Step"/> units: output columns, or with
/// <see cref="Panels"/> set (a <see cref="Bf16Panels"/> B), groups of four columns; then A is copied into
/// <see cref="APadded"/>, rows zero-padded to <see cref="PaddedK"/>.
/// </summary>
internal readonly unsafe struct SkinnyJob(GemmOperands op, ushort* panels, float* aPadded, int paddedK, int parts, int step)
{
    public GemmOperands Op { get; } = op;

    public ushort* Panels { get; } = panels;

    public float* APadded { get; } = aPadded;

    public int PaddedK { get; } = paddedK;

    public int Parts { get; } = parts;

    public int Step { get; } = step;

    /// <summary>What the parts divide: columns of C, or groups of panels.</summary>
    public int Units => Panels == null ? Op.N : (Op.N + Bf16Panels.GroupRows - 1) / Bf16Panels.GroupRows;

    public SkinnyJob WithSplit(int parts, int step) => new(Op, Panels, APadded, PaddedK, parts, step);
}
