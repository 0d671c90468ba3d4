using System.Collections.Concurrent;
using DistInfer.Runtime.Placement;
using DistInfer.Runtime.Tests.Infrastructure;

namespace DistInfer.Runtime.Tests.Grains;

[PreferLocalPlacement]
public sealed class TestGrain : Grain, ITestGrain
{
    private static byte[]? _lastImmutable;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private int _total;
    private int _inside;
    private int _max;

    public static readonly ConcurrentDictionary<string, int> ActivationsByKey = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ActivationsByKey.AddOrUpdate(this.GetPrimaryKeyString(), 1, static (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Signals.Set("deactivated-" + this.GetPrimaryKeyString(), reason.ReasonCode);
        return Task.CompletedTask;
    }

    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);

    public Task<string> InstanceId() => Task.FromResult(_instance);

    public Task<int> Add(int amount) => Task.FromResult(_total += amount);

    public async Task<int> CheckedWork(int yields)
    {
        _inside++;
        _max = Math.Max(_max, _inside);
        for (var i = 0; i < yields; i++)
        {
            await Task.Yield();
        }

        var seen = _inside;
        _inside--;
        return seen;
    }

    public Task<int> MaxConcurrency() => Task.FromResult(_max);

    public async Task Hold(string gate)
    {
        _inside++;
        Signals.Set(gate + "-entered");
        await Signals.Get(gate).Task;
        _inside--;
    }

    public Task<int> Inside() => Task.FromResult(_inside);

    public Task<int> PeekInside() => Task.FromResult(_inside);

    public Task Notify(string signal, int value)
    {
        Signals.Set(signal, value);
        return Task.CompletedTask;
    }

    public Task Hang(string gate) => Signals.Get(gate).Task;

    public async Task<string> WaitForCancellation(string signal, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            Signals.Set(signal, RuntimeIdentity);
            throw;
        }
    }

    public Task Throw(string kind, string message) => kind switch
    {
        "argument" => throw new ArgumentException(message),
        "invalid" => throw new InvalidOperationException(message),
        _ => throw new UnconstructibleException(message, 42),
    };

    public Task<int> PayloadLength(byte[] payload) => Task.FromResult(payload.Length);

    public Task<byte[]> Echo(byte[] payload) => Task.FromResult(payload);

    public Task<int> MutateAndSum(List<int> values)
    {
        var sum = values.Sum();
        values.Clear();
        return Task.FromResult(sum);
    }

    public Task<int> ImmutableIdentity(byte[] payload)
    {
        var same = ReferenceEquals(payload, _lastImmutable) ? 1 : 0;
        _lastImmutable = payload;
        return Task.FromResult(same);
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public ValueTask<int> ValueAdd(int a, int b) => new(a + b);

    public Task<string> AskWhere(ITestGrain other) => other.WhereAmI();

    public Task<ITestGrain> Self() => Task.FromResult(this.AsReference<ITestGrain>());
}
