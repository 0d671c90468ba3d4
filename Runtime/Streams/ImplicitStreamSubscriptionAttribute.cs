namespace DistInfer.Runtime.Streams;

/// <summary>
/// Every stream in this namespace is delivered to the grain of this class whose key is the stream key; the grain
/// attaches its observer with SubscribeAsync in OnActivateAsync.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ImplicitStreamSubscriptionAttribute(string streamNamespace) : Attribute
{
    public string Namespace { get; } = streamNamespace;
}
