namespace DistInfer.Runtime.Streams;

/// <summary>The observers attached in one activation, by subscription handle; runs inside the consumer's turns.</summary>
internal sealed class StreamConsumerExtension : IStreamConsumerExtension
{
    public static readonly int InterfaceIdValue = (int)StableHash.Compute(typeof(IStreamConsumerExtension).FullName!);

    private readonly Dictionary<Guid, Func<StreamSequenceToken, StreamPayload, Task>> _observers = [];
    private readonly GrainId _grainId;

    public StreamConsumerExtension(GrainId grainId)
    {
        _grainId = grainId;
    }

    public void Attach(Guid handleId, Func<StreamSequenceToken, StreamPayload, Task> deliver)
    {
        lock (_observers)
        {
            _observers[handleId] = deliver;
        }
    }

    public void Detach(Guid handleId)
    {
        lock (_observers)
        {
            _observers.Remove(handleId);
        }
    }

    public Task Deliver(Guid handleId, StreamId streamId, StreamSequenceToken token, StreamPayload payload)
    {
        Func<StreamSequenceToken, StreamPayload, Task>? deliver;
        lock (_observers)
        {
            _observers.TryGetValue(handleId, out deliver);
        }

        return deliver is null
            ? throw new InvalidOperationException(
                $"{_grainId} has no observer for its subscription {handleId:N} to {streamId}: call ResumeAsync (explicit) or SubscribeAsync (implicit) in OnActivateAsync")
            : deliver(token, payload);
    }
}
