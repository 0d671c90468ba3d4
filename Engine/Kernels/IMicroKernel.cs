namespace DistInfer.Engine.Kernels;

/// <summary>
/// A register-blocked inner kernel: multiplies a packed A micro-panel (kc × Mr, column-interleaved) by a packed
/// B micro-panel (kc × Nr) into one full Mr × Nr tile of C. Implemented by structs so the generic driver is
/// specialised per kernel and the calls inline.
/// </summary>
internal interface IMicroKernel
{
    static abstract int Mr { get; }

    static abstract int Nr { get; }

    /// <summary>Writes (or, when <paramref name="add"/>, adds) the product tile at <paramref name="c"/>.</summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, bool add);
}
