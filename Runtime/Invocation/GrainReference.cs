using System.Runtime.CompilerServices;

namespace DistInfer.Runtime.Invocation;

/// <summary>Base of generated proxies: a grain id plus the runtime that delivers its calls.</summary>
public abstract class GrainReference : IAddressable, IEquatable<GrainReference>
{
    protected GrainReference(GrainId grainId, IGrainCallRuntime runtime)
    {
        GrainId = grainId;
        Runtime = runtime;
    }

    public GrainId GrainId { get; }

    public IGrainCallRuntime Runtime { get; }

    public bool Equals(GrainReference? other) => other is not null && GrainId.Equals(other.GrainId);

    public override bool Equals(object? obj) => obj is GrainReference other && Equals(other);

    public override int GetHashCode() => GrainId.GetHashCode();

    public override string ToString() => GrainId.ToString();

    protected Task<T> InvokeAsync<T>(GrainRequest request)
    {
        var pending = Runtime.InvokeAsync(GrainId, request);
        return pending.IsCompletedSuccessfully ? Task.FromResult((T)pending.Result!) : Await(pending);

        static async Task<T> Await(ValueTask<object?> pending) => (T)(await pending.ConfigureAwait(false))!;
    }

    protected ValueTask<T> InvokeValueTaskAsync<T>(GrainRequest request)
    {
        var pending = Runtime.InvokeAsync(GrainId, request);
        return pending.IsCompletedSuccessfully ? new ValueTask<T>((T)pending.Result!) : Await(pending);

        static async ValueTask<T> Await(ValueTask<object?> pending) => (T)(await pending.ConfigureAwait(false))!;
    }

    protected Task InvokeVoidAsync(GrainRequest request)
    {
        var pending = Runtime.InvokeAsync(GrainId, request);
        return pending.IsCompletedSuccessfully ? Task.CompletedTask : pending.AsTask();
    }

    protected ValueTask InvokeValueTaskVoidAsync(GrainRequest request)
    {
        var pending = Runtime.InvokeAsync(GrainId, request);
        return pending.IsCompletedSuccessfully ? default : new ValueTask(pending.AsTask());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void InvokeOneWay(GrainRequest request) => Runtime.SendOneWay(GrainId, request);
}
