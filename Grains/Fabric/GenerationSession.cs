using System.Threading.Channels;
using DistInfer.Engine.Serving;

namespace DistInfer.Grains.Fabric;

/// <summary>One generation a client outside the cluster reads by polling: its tokens so far, and how to stop it.</summary>
internal sealed class GenerationSession(long startedAt)
{
    public Channel<TokenEvent> Tokens { get; } = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Cancelled when the client cancels or abandons it: the batcher then frees its slot and KV cache.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Timestamp of the client's last poll (or of the start): an old one means nobody reads it any more.</summary>
    public long LastPolled { get; set; } = startedAt;

    /// <summary>Polls in flight: a session being read is never abandoned, however long its wait.</summary>
    public int Readers;
}
