using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime.Activation;

/// <summary>A turn for an activation: a request, or a timer tick.</summary>
internal sealed class WorkItem
{
    public WorkItem(GrainRequest request, IResponseSink sink)
    {
        Request = request;
        Sink = sink;
        Interleave = request.IsAlwaysInterleave;
        KeepAlive = true;
    }

    public WorkItem(Func<object, ValueTask<object?>> callback, bool interleave, bool keepAlive, IResponseSink sink)
    {
        Callback = callback;
        Sink = sink;
        Interleave = interleave;
        KeepAlive = keepAlive;
    }

    public GrainRequest? Request { get; }

    public Func<object, ValueTask<object?>>? Callback { get; }

    public IResponseSink Sink { get; }

    public bool Interleave { get; }

    /// <summary>Whether running it counts as activity for idle collection.</summary>
    public bool KeepAlive { get; }

    /// <summary>The activation running this item (set when its turn is scheduled; the item is the turn's state).</summary>
    public ActivationData? Activation { get; set; }

    public ValueTask<object?> Invoke(object grain) => Request is not null ? Request.InvokeAsync(grain) : Callback!(grain);
}
