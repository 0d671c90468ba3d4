using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Http;

/// <summary>
/// One choice of a request, admitted to generation with its siblings: its token stream and what ends it.
/// <see cref="Cancellation"/> ends the choice (its stop string matched, the client left); for a dynamic route the
/// stream is the small model's, which <see cref="SmallCancellation"/> ends alone when the large model takes over.
/// </summary>
internal sealed class StartedChoice(long started, CancellationTokenSource cancellation, CancellationTokenSource? smallCancellation, ServedModel model, ServedModel? large)
    : IAsyncDisposable
{
    /// <summary>When the request began (before admission, so waiting for it counts in the latencies).</summary>
    public long Started { get; } = started;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    public CancellationTokenSource? SmallCancellation { get; } = smallCancellation;

    /// <summary>The model generating <see cref="Tokens"/> (a route's small one).</summary>
    public ServedModel Model { get; } = model;

    /// <summary>A route's large model, which a choice escalates to; null without a route.</summary>
    public ServedModel? Large { get; } = large;

    /// <summary>The token stream; set once the request's sequences were admitted.</summary>
    public IAsyncEnumerator<TokenEvent>? Tokens { get; set; }

    /// <summary>The token the choice's sequence is started with.</summary>
    public CancellationToken SequenceToken => (SmallCancellation ?? Cancellation).Token;

    public async ValueTask DisposeAsync()
    {
        if (Tokens is not null)
        {
            await Tokens.DisposeAsync().ConfigureAwait(false);
        }

        SmallCancellation?.Dispose();
        Cancellation.Dispose();
    }
}
