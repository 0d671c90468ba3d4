namespace DistInfer.Runtime.Invocation;

/// <summary>What proxies call: the silo's router or the client's gateway connection.</summary>
public interface IGrainCallRuntime
{
    IGrainFactory GrainFactory { get; }

    ValueTask<object?> InvokeAsync(GrainId target, GrainRequest request);

    void SendOneWay(GrainId target, GrainRequest request);
}
