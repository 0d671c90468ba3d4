namespace DistInfer.Runtime;

/// <summary>Anything that can be the target of a grain call: grains and system targets.</summary>
public interface IAddressable
{
}
