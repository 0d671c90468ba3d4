using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

[Reentrant]
public sealed class ReentrantGrain : Grain, IReentrantGrain
{
    private int _inside;

    public async Task Hold(string gate)
    {
        _inside++;
        Signals.Set(gate + "-entered");
        await Signals.Get(gate).Task;
        _inside--;
    }

    public Task<int> Inside() => Task.FromResult(_inside);
}
