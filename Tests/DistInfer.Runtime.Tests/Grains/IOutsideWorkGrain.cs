namespace DistInfer.Runtime.Tests.Grains;

/// <summary>A grain that also works outside calls (<see cref="OutsideWorkGrain.Work"/>), as expert grains do.</summary>
public interface IOutsideWorkGrain : IGrainWithStringKey
{
    /// <summary>Calls so far on this activation (0 after a reactivation).</summary>
    Task<int> Calls();
}
