using DistInfer.Engine.Kernels;

namespace DistInfer.Engine.Model;

/// <summary>One attention call's (sequence, head) items as parts for the decode helpers or the thread pool.</summary>
internal sealed class AttentionHeadsWork(AttentionBlock block, int layerIndex, BatchLayout layout, float[] qkv, float[] attended) : IPartwiseWork
{
    private readonly int _heads = block.Heads;

    public void RunPart(int part) => block.AttendHead(layerIndex, layout, qkv, attended, part / _heads, part % _heads);
}
