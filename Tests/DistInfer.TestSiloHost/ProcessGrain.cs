using DistInfer.Runtime;
using DistInfer.Runtime.Placement;

namespace DistInfer.TestSiloHost;

[RandomPlacement]
public sealed class ProcessGrain : Grain, IProcessGrain
{
    // Unique per activation: two answers with different ids for one key at once would be a duplicate activation.
    private readonly string _activationId = Guid.NewGuid().ToString("N");
    private int _total;

    public Task<string> Identify() => Task.FromResult(RuntimeIdentity + "|" + _activationId);

    public Task<int> Add(int amount) => Task.FromResult(_total += amount);
}
