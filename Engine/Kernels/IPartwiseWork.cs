namespace DistInfer.Engine.Kernels;

/// <summary>Work split into independent numbered parts, for <see cref="SkinnyPool"/> beside its products.</summary>
internal interface IPartwiseWork
{
    /// <summary>Runs part <paramref name="part"/>; parts may run at once on different threads.</summary>
    void RunPart(int part);
}
