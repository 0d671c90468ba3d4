using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>Key "{model}/{layer}/{expert}/{replica}": one expert's weights; one call carries all of a step's tokens for it.</summary>
public interface IExpertGrain : IGrainWithStringKey
{
    [ResponseTimeout("00:10:00")]
    Task<ExpertStatus> Load(ExpertLoadRequest request);

    /// <summary>Unweighted expert outputs [rows, H] for a block of token rows [rows, H].</summary>
    /// <remarks>The result is a fresh array the grain keeps no reference to, so a local call hands it over uncopied.</remarks>
    [return: Immutable]
    Task<float[]> Forward([Immutable] float[] block, int rows);

    [AlwaysInterleave]
    Task<ExpertStatus> Status();

    /// <summary>Taken out of dispatch by the balancer: deactivate once idle (stages have drained their calls first).</summary>
    Task Retire();
}
