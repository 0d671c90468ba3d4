using System.Threading.Channels;
using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>One request's state inside the <see cref="ContinuousBatcher"/>.</summary>
internal sealed class BatchSequence(long id, int[] promptIds, SamplingParams parameters)
{
    private int _last = -1;

    public long Id { get; } = id;
    public int[] PromptIds { get; } = promptIds;
    public SamplingParams Parameters { get; } = parameters;
    public Sampler Sampler { get; } = new(parameters, promptIds: promptIds);
    public Channel<TokenEvent> Output { get; } = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    public CancellationTokenRegistration Registration { get; set; }
    public volatile bool Cancelled;

    private int _slotReleased;

    /// <summary>
    /// True once, for whoever gives the sequence's admission slot back: its cancellation at once (a cancelled sequence
    /// still waiting behind a full batch held its slot until it reached the head), else its finish or a stop.
    /// </summary>
    public bool TryReleaseSlot() => Interlocked.Exchange(ref _slotReleased, 1) == 0;

    /// <summary>Whether the executor has seen this sequence (so it holds a KV cache to free).</summary>
    public bool Started { get; private set; }

    public int Generated { get; private set; }

    /// <summary>The prompt on the first step, then the last sampled token.</summary>
    public int[] NextInput()
    {
        var input = Started ? [_last] : PromptIds;
        Started = true;
        return input;
    }

    /// <summary>A step could not start it (<see cref="SequencesDeferredException"/>): its next step sends the prompt again.</summary>
    public void Restart() => Started = false;

    public void Accept(int token)
    {
        _last = token;
        Generated++;
    }
}
