using System.Collections.Concurrent;
using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Placement;

namespace DistInfer.Runtime.Hosting;

/// <summary>The router's part in a graceful stop: no local activations, forwarding, and waiting for forwards.</summary>
internal sealed partial class SiloRouter
{
    private readonly ConcurrentDictionary<Task, byte> _forwarding = new();

    /// <summary>
    /// Set while the silo stops gracefully: it creates no activation (they would be lost when it leaves); a call for a
    /// grain it does not host goes to a placement among the other silos.
    /// </summary>
    public bool Draining { get; set; }

    /// <summary>
    /// Completes once the requests this silo forwarded (queued in activations that deactivated, or received while
    /// draining) have their answers: a draining silo closes its connections only after that, or they would be cut.
    /// </summary>
    public async Task WhenForwardedAsync()
    {
        while (!_forwarding.IsEmpty)
        {
            try
            {
                await Task.WhenAll(_forwarding.Keys).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Each failure went back to its own caller.
            }
        }
    }

    private void Track(Task forwarded)
    {
        if (!forwarded.IsCompleted && _forwarding.TryAdd(forwarded, 0))
        {
            _ = forwarded.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _forwarding, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Draining: the grain is not hosted here (an entry naming this silo is one being dropped); unregister it and
    /// place the grain on another silo. Placement sees this silo as shutting down; when no other silo can take the
    /// grain (a lone silo), it stays here.
    /// </summary>
    private async ValueTask<SiloAddress> PlaceElsewhereAsync(GrainId target)
    {
        try
        {
            await _directory.UnregisterAsync(target, _self).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: an owner that is gone took its entries with it, and the new activation's registration
            // replaces an entry naming a silo the others see as shutting down.
        }

        try
        {
            return await _placement.PlaceAsync(target).ConfigureAwait(false);
        }
        catch (PlacementException)
        {
            return _self;
        }
    }
}
