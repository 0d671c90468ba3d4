namespace DistInfer.Runtime.Activation;

/// <summary>Receives the outcome of a request run by an activation.</summary>
internal interface IResponseSink
{
    void Complete(object? result);

    void Fail(Exception error);
}
