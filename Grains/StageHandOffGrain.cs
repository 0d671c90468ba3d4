using DistInfer.Grains.Placement;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// A drained stage's state between two activations. Placed on another silo than the one that first calls it (the
/// draining silo announcing the hand-off), so it outlives the drain; held in memory only. Each announcement
/// (<see cref="Expect"/>) opens one hand-off: its put is kept for the next take, a successor that takes before the
/// put waits for it at most <see cref="WaitLimit"/> and then starts empty (its sequences re-prefill), and a put that
/// comes after that, or without an announcement, is dropped: restoring it later would bring back caches the executor
/// has rebuilt or released since.
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
        // A new drain of the stage: whatever an earlier one left is older than what this one will put.
        _expected?.TrySetResult(null);
        _expected = new TaskCompletionSource<StageHandOff?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _handOff = null;
        return Task.CompletedTask;
    }

    public Task Put(StageHandOff? handOff)
    {
        if (_expected is { } expected)
        {
            _expected = null;
            _handOff = handOff;
            expected.TrySetResult(handOff);
        }

        return Task.CompletedTask;
    }

    public async Task<StageHandOff?> Take()
    {
        if (_expected is { } expected)
        {
            try
            {
                await expected.Task.WaitAsync(WaitLimit);
            }
            catch (TimeoutException)
            {
                // Given up: the successor starts empty, and a put for this announcement is dropped when it comes.
                if (ReferenceEquals(_expected, expected))
                {
                    _expected = null;
                }
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
