namespace DistInfer.Runtime.Invocation;

/// <summary>The call runtime decoding the current message on this thread (binds deserialized grain references).</summary>
public static class RuntimeContext
{
    [ThreadStatic]
    private static IGrainCallRuntime? _current;

    public static IGrainCallRuntime? Current => _current;

    public static IGrainCallRuntime? Set(IGrainCallRuntime? runtime)
    {
        var previous = _current;
        _current = runtime;
        return previous;
    }
}
