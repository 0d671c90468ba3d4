using DistInfer.Grains.Placement;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// A drained stage's state between two activations. Placed on another silo than the one that first calls it (the
/// draining silo announcing the hand-off), so it outlives the drain; held in memory only. A successor that activates
/// after the announcement and before the state arrives waits for it at most <see cref="WaitLimit"/>, then starts
/// empty (its sequences re-prefill, as without a hand-off).
/// </summary>
[Reentrant]
[ElsewherePlacement]
public sealed class StageHandOffGrain : Grain, IStageHandOffGrain
{
    /// <summary>Longer than a drain's hand-off takes; short enough that a lost one costs only a delay.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private TaskCompletionSource<StageHandOff?>? _expected;
    private StageHandOff? _handOff;

    public Task Expect()
    {
        _expected ??= new TaskCompletionSource<StageHandOff?>(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public Task Put(StageHandOff? handOff)
    {
        if (_expected is { } expected)
        {
            _expected = null;
            expected.TrySetResult(handOff);
        }

        _handOff = handOff;
        return Task.CompletedTask;
    }

    public async Task<StageHandOff?> Take()
    {
        if (_handOff is null && _expected is { } expected)
        {
            try
            {
                await expected.Task.WaitAsync(WaitLimit);
            }
            catch (TimeoutException)
            {
                _expected = null;
            }
        }

        var handOff = _handOff;
        _handOff = null;
        if (_expected is null)
        {
            DeactivateOnIdle();
        }

        return handOff;
    }
}
