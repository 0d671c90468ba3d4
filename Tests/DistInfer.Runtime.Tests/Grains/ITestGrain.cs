namespace DistInfer.Runtime.Tests.Grains;

/// <summary>General-purpose test grain: identity, counting, turn-taking, one-way, timeouts, cancellation, errors.</summary>
public interface ITestGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();

    Task<string> InstanceId();

    Task<int> Add(int amount);

    Task<int> CheckedWork(int yields);

    Task<int> MaxConcurrency();

    Task Hold(string gate);

    Task<int> Inside();

    [AlwaysInterleave]
    Task<int> PeekInside();

    [OneWay]
    Task Notify(string signal, int value);

    [ResponseTimeout("00:00:01")]
    Task Hang(string gate);

    Task<string> WaitForCancellation(string signal, CancellationToken cancellationToken);

    Task Throw(string kind, string message);

    Task<int> PayloadLength(byte[] payload);

    Task<byte[]> Echo(byte[] payload);

    Task<int> MutateAndSum(List<int> values);

    Task<int> ImmutableIdentity([Immutable] byte[] payload);

    Task Deactivate();

    ValueTask<int> ValueAdd(int a, int b);

    /// <summary>Calls back the grain it is handed (grain references as arguments).</summary>
    Task<string> AskWhere(ITestGrain other);

    Task<ITestGrain> Self();
}
