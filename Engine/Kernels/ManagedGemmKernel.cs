namespace DistInfer.Engine.Kernels;

/// <summary>The SIMD width <see cref="ManagedGemm"/> runs its inner kernel at.</summary>
public enum ManagedGemmKernel
{
    /// <summary>The widest the hardware accelerates.</summary>
    Auto,

    /// <summary>6×32 tiles with 512-bit vectors (AVX-512).</summary>
    Vector512,

    /// <summary>6×16 tiles with 256-bit vectors (AVX2 + FMA).</summary>
    Vector256,

    /// <summary>6×8 tiles with 128-bit vectors; runs everywhere, emulated where not accelerated.</summary>
    Vector128,
}
