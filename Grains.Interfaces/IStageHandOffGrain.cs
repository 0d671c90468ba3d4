using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// Keeps a drained stage's state (key: the stage key) between its deactivation on the draining silo and its next
/// activation elsewhere, which takes it once.
/// </summary>
public interface IStageHandOffGrain : IGrainWithStringKey
{
    /// <summary>The stage's silo is draining: its state will follow (see <see cref="Take"/>).</summary>
    Task Expect();

    /// <summary>The drained activation's state; null when it has nothing to hand over (its successor starts empty).</summary>
    [ResponseTimeout("00:02:00")]
    Task Put(StageHandOff? handOff);

    /// <summary>
    /// What the stage's previous activation left, removed here; while a hand-off is expected and not yet put, waits
    /// for it (a bounded time). Null when none was left.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<StageHandOff?> Take();
}
