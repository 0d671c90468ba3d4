namespace DistInfer.Runtime;

/// <summary>Base of every grain interface; proxies and invokers are generated for interfaces deriving from it.</summary>
public interface IGrain : IAddressable
{
}
