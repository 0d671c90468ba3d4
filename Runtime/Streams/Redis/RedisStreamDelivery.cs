using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Streams.Redis;

/// <summary>
/// The pulling agents' handler on a silo: hands one entry to every subscriber of its logical stream (explicit ones
/// from Redis, implicit ones by namespace) through the consumer grains' stream extension, and returns once each
/// took it or was given up on; the agent then acks it (XACK). Entries of a queue go one after another, so each
/// stream stays in order. A subscriber that keeps failing is retried MaxDeliveryAttempts times, then logged and
/// skipped, so it cannot stall the other streams of the queue (the item stays in Redis for a ResumeAsync from a token).
/// </summary>
internal sealed class RedisStreamDelivery
{
    private readonly RedisStreamProviderRuntime _runtime;
    private readonly IGrainFactory _factory;
    private readonly ILogger _logger;

    public RedisStreamDelivery(RedisStreamProviderRuntime runtime, IGrainFactory factory)
    {
        _runtime = runtime;
        _factory = factory;
        _logger = runtime.Loggers.CreateLogger<RedisStreamDelivery>();
    }

    public async Task HandleAsync(RedisStreamEntry entry, CancellationToken cancellationToken)
    {
        if (!RedisStreamField.TryParse(entry.StreamId, out var streamId))
        {
            RedisStreamProviderLog.NoStream(_logger, _runtime.Name, entry.Token.ToString());
            return;
        }

        // Entries are parsed into their own byte[]; reuse it instead of copying.
        var payload = StreamPayload.Over(PooledBuffer.Over(MemoryMarshal.TryGetArray(entry.Payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : entry.Payload.ToArray()));
        var token = entry.Token.ToStreamSequenceToken();

        // A Redis failure here throws: the entry stays pending and the agent reads it again.
        var subscriptions = await _runtime.GetSubscriptionsAsync(entry.StreamId).ConfigureAwait(false);
        var implicitSubscribers = _runtime.Streams.ImplicitSubscribers(streamId.Namespace);
        var deliveries = new Task[subscriptions.Count + implicitSubscribers.Length];
        var next = 0;
        foreach (var subscription in subscriptions)
        {
            deliveries[next++] = DeliverAsync(subscription.Consumer, subscription.HandleId, streamId, token, payload, cancellationToken);
        }

        foreach (var (template, handle) in implicitSubscribers)
        {
            deliveries[next++] = DeliverAsync(new GrainId(template.Type, streamId.Key), handle, streamId, token, payload, cancellationToken);
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }

    private async Task DeliverAsync(GrainId consumer, Guid handleId, StreamId streamId, StreamSequenceToken token, StreamPayload payload, CancellationToken cancellationToken)
    {
        var delay = _runtime.Options.DeliveryRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _factory.GetGrain<IStreamConsumerExtension>(consumer).Deliver(handleId, streamId, token, payload).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (attempt < _runtime.Options.MaxDeliveryAttempts)
            {
                RedisStreamProviderLog.DeliveryRetry(_logger, _runtime.Name, streamId.ToString(), token.ToString(), consumer.ToString(), attempt, ex);
            }
            catch (Exception ex)
            {
                RedisStreamProviderLog.DeliveryGivenUp(_logger, _runtime.Name, streamId.ToString(), token.ToString(), consumer.ToString(), attempt, ex);
                return;
            }

            // Cancelled (queue moved, silo stopping): the entry stays unacked and its next owner delivers it.
            await Task.Delay(delay, _runtime.Time, cancellationToken).ConfigureAwait(false);
            delay += delay;
        }
    }
}
