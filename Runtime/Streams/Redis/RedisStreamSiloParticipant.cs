using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// Connects the provider when the silo starts (an unreachable Redis fails the start, naming the endpoint) and runs
/// the silo's pulling agent: one consumer per queue the balancer gives this silo, following membership.
/// </summary>
internal sealed class RedisStreamSiloParticipant(RedisStreamProviderRuntime runtime) : ISiloLifecycleParticipant
{
    private ClusterMembershipView? _view;
    private RedisStreamPullingAgent? _agent;

    public async Task OnStartingAsync(Silo silo, CancellationToken cancellationToken) =>
        await runtime.GetConnectionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    public async Task OnStartedAsync(Silo silo, CancellationToken cancellationToken)
    {
        var connection = await runtime.GetConnectionAsync().ConfigureAwait(false);
        var delivery = new RedisStreamDelivery(runtime, silo.GrainFactory);
        _view = new ClusterMembershipView(silo.Services.GetRequiredService<IClusterMembershipService>());
        _agent = new RedisStreamPullingAgent(
            _view, silo.Address, connection, runtime.Mapper, runtime.PullingOptions(), delivery.HandleAsync, runtime.Time,
            runtime.Loggers.CreateLogger<RedisStreamPullingAgent>());
        _agent.Start();
        RedisStreamProviderLog.AgentStarted(runtime.Logger, runtime.Name, silo.Address.ToString(), runtime.Mapper.QueueCount);
    }

    public async Task OnStoppingAsync(Silo silo, bool graceful)
    {
        var agent = Interlocked.Exchange(ref _agent, null);
        _view?.Dispose();
        if (agent is null)
        {
            return;
        }

        // Graceful: the batch in hand is delivered and acked first. Killed: let go; what is unacked is claimed later.
        var stopped = agent.DisposeAsync().AsTask();
        if (graceful)
        {
            await stopped.ConfigureAwait(false);
        }
    }
}
