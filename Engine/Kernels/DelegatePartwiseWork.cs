namespace DistInfer.Engine.Kernels;

/// <summary>A loop body as <see cref="IPartwiseWork"/>, for code that already holds one as a delegate.</summary>
internal sealed class DelegatePartwiseWork(Action<int> body) : IPartwiseWork
{
    public void RunPart(int part) => body(part);
}
