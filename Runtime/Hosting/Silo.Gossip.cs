using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Hosting;

/// <summary>The silo's membership gossip: tells its peers directly what it changed in the table.</summary>
public sealed partial class Silo
{
    private static readonly TimeSpan GossipTimeout = TimeSpan.FromSeconds(2);

    private void AttachGossip(IMembershipGossip gossip)
    {
        gossip.TellPeers = () => TellPeersAsync(static target => target.TableChangedAsync());
        gossip.TellPeersLeft = () => TellPeersAsync(target => target.SiloLeftAsync(Address));
    }

    private static void DetachGossip(IMembershipGossip gossip)
    {
        gossip.TellPeers = null;
        gossip.TellPeersLeft = null;
    }

    // Tells every other silo in the view something about the table (this silo just changed a status in it); completes
    // when each has heard it or could not be reached within GossipTimeout.
    private Task TellPeersAsync(Func<IMembershipGossipTarget, Task> tell)
    {
        var tellings = new List<Task>();
        foreach (var silo in _membership.Current.Silos)
        {
            // A silo of another wire protocol refuses the call: telling it would only wait out the gossip timeout.
            if (silo.Address != Address && silo.Status != SiloStatus.Dead && silo.IsCompatible)
            {
                tellings.Add(TellAsync(silo.Address));
            }
        }

        return Task.WhenAll(tellings);

        async Task TellAsync(SiloAddress silo)
        {
            try
            {
                var target = _grainFactory.GetGrain<IMembershipGossipTarget>(new GrainId(MembershipGossipTarget.SystemTargetType, silo.ToString()));
                await tell(target).WaitAsync(GossipTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A silo that cannot hear it reads the table at its next refresh anyway.
            }
        }
    }
}
