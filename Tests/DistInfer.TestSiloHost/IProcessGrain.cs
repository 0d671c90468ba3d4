using DistInfer.Runtime;

namespace DistInfer.TestSiloHost;

/// <summary>
/// Grain of the multi-process tests (this file is linked into the runtime test project for the client proxy).
/// </summary>
public interface IProcessGrain : IGrainWithStringKey
{
    /// <summary>"{silo address}|{activation id}": which silo and which activation answered.</summary>
    Task<string> Identify();

    /// <summary>Adds to the activation's in-memory count (lost with the activation).</summary>
    Task<int> Add(int amount);
}
