using System.Buffers;
using System.Numerics.Tensors;
using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>
/// A SwiGLU MLP (dense layer, routed expert or shared expert): down(silu(gate(x)) * up(x)). Gate and up are
/// fused into one [2F, H] matrix at load so a block of tokens takes one GEMM for both.
/// </summary>
public sealed class SwiGluWeights(LinearWeight gateUp, LinearWeight down)
{
    public LinearWeight GateUp { get; } = gateUp;
    public LinearWeight Down { get; } = down;
    public int Width => Down.InFeatures;
    public long ParameterCount => GateUp.ParameterCount + Down.ParameterCount;

    /// <summary>y[rows, H] = down(silu(gate x) * up x) for a block of token rows.</summary>
    public void Forward(IGemm gemm, ReadOnlySpan<float> x, int rows, Span<float> y, bool bf16 = false)
    {
        var f = Width;
        var gateUp = ArrayPool<float>.Shared.Rent(rows * 2 * f);
        var act = ArrayPool<float>.Shared.Rent(rows * f);
        try
        {
            GateUp.Forward(gemm, x, rows, gateUp, bf16);
            for (var r = 0; r < rows; r++)
            {
                var g = gateUp.AsSpan(r * 2 * f, f);
                var u = gateUp.AsSpan(r * 2 * f + f, f);
                var a = act.AsSpan(r * f, f);
                Ops.SiluMul(g, u, a, bf16);
            }

            Down.Forward(gemm, act.AsSpan(0, rows * f), rows, y, bf16);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(gateUp);
            ArrayPool<float>.Shared.Return(act);
        }
    }
}
