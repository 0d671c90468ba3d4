using DistInfer.Engine.Model;
using DistInfer.Runtime;

namespace DistInfer.Grains;

/// <summary>
/// A stage on a silo that drains (graceful stop) hands its load request and its sequences' KV caches to its stage key's
/// <see cref="IStageHandOffGrain"/> as it deactivates; the stage's next activation, wherever placement puts it, takes
/// them while it activates, loads the same weights and goes on from the same cache lengths: the executor's steps see
/// only a delay, no re-prefill. A stage computing on a GPU keeps its caches there and hands nothing over (its
/// sequences re-prefill, as after a crash). The successor may activate before this activation is done (other silos
/// see the silo leaving and place the stage anew): the hand-off announced before the drain began
/// (<see cref="StageHandOffAnnouncer"/>) makes it wait for the state instead of starting empty.
/// </summary>
public sealed partial class StageGrain
{
    private TaskCompletionSource? _pumpIdle;

    /// <summary>Waits for the micro-batches already taken from the stream, then leaves the state for the next activation.</summary>
    private async Task HandOffAsync(CancellationToken cancellationToken)
    {
        var target = GrainFactory.GetGrain<IStageHandOffGrain>(this.GetPrimaryKeyString());
        if (_cuda is not null || _request is not { } request || _model is null)
        {
            // Nothing to hand over: the successor (waiting since the announcement) starts empty at once.
            await PutAsync(target, null, cancellationToken);
            return;
        }

        StageHandOff handOff;
        try
        {
            // Items taken from the activation stream are this activation's to finish: nobody would send them again.
            // Bounded so the state still arrives while a successor that activated meanwhile waits for it.
            if (_pumping)
            {
                _pumpIdle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _pumpIdle.Task.WaitAsync(StageHandOffGrain.WaitLimit / 2, cancellationToken);
            }

            await _compute.WaitAsync(cancellationToken);
            List<SequenceKvState> sequences;
            try
            {
                sequences = new List<SequenceKvState>(_caches.Count);
                foreach (var (id, cache) in _caches)
                {
                    var keys = new float[cache.EndLayer - cache.FirstLayer][];
                    var values = new float[keys.Length][];
                    for (var l = 0; l < keys.Length; l++)
                    {
                        keys[l] = cache.CommittedKeys(cache.FirstLayer + l);
                        values[l] = cache.CommittedValues(cache.FirstLayer + l);
                    }

                    sequences.Add(new SequenceKvState { SequenceId = id, Masked = cache.CommittedMask(), Keys = keys, Values = values });
                }
            }
            finally
            {
                _compute.Release();
            }

            handOff = new StageHandOff { Request = request, Sequences = sequences };
        }
        catch (Exception)
        {
            // Nothing to hand over after all (the pump or the drain's time ran out): the successor starts empty now.
            await PutAsync(target, null, cancellationToken);
            return;
        }

        // A put that fails may still have landed, so no empty one follows it: at worst the successor waits it out.
        await PutAsync(target, handOff, cancellationToken);
    }

    private static async Task PutAsync(IStageHandOffGrain target, StageHandOff? handOff, CancellationToken cancellationToken)
    {
        try
        {
            await target.Put(handOff).WaitAsync(cancellationToken);
        }
        catch (Exception)
        {
            // The successor stops waiting after StageHandOffGrain.WaitLimit; its sequences re-prefill.
        }
    }

    /// <summary>Takes what a drained activation of this stage left, if anything: its weights' request and the caches.</summary>
    private async Task TakeHandOffAsync()
    {
        if (!FabricSettings.HandOffStagesOnDrain)
        {
            return;
        }

        StageHandOff? handOff;
        try
        {
            handOff = await GrainFactory.GetGrain<IStageHandOffGrain>(this.GetPrimaryKeyString()).Take();
        }
        catch (Exception)
        {
            return; // As a stage without a hand-off: loaded by the executor, sequences re-prefilled.
        }

        if (handOff is null)
        {
            return;
        }

        try
        {
            await Load(handOff.Request);
        }
        catch (Exception)
        {
            return; // The executor's own Load reports what is wrong; the sequences re-prefill.
        }

        if (_cuda is not null || _model is null)
        {
            return;
        }

        var part = _model.Weights.Part;
        var kvWidth = _model.Config.NumKvHeads * _model.Config.HeadDim;
        var now = StageServices.Time.GetUtcNow();
        try
        {
            foreach (var sequence in handOff.Sequences)
            {
                _caches[sequence.SequenceId] = SequenceKvCache.FromCommitted(part.FirstLayer, part.EndLayer, kvWidth, sequence.Masked, sequence.Keys, sequence.Values);

                // Watched by the orphan sweep like a cache a step made: its release may have been lost in the drain.
                _lastUsed[sequence.SequenceId] = now;
            }
        }
        catch (ArgumentException)
        {
            // Caches of another shape (the deployment changed meanwhile): none is kept, the sequences re-prefill.
            _caches.Clear();
            _lastUsed.Clear();
        }
    }

    /// <summary>The pump ran dry: a hand-off waiting for it goes on.</summary>
    private void OnPumpIdle()
    {
        _pumpIdle?.TrySetResult();
        _pumpIdle = null;
    }
}
