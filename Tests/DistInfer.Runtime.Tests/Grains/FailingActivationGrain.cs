namespace DistInfer.Runtime.Tests.Grains;

/// <summary>OnActivateAsync throws: callers must get that error, not a hang or a retry loop.</summary>
public sealed class FailingActivationGrain : Grain, IFailingActivationGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("activation refused for " + this.GetPrimaryKeyString());

    public Task<int> Call() => Task.FromResult(1);
}
