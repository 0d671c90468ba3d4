using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Serves the demo model's metadata under two names with scripted failures: "fail-mid" streams two tokens and then
/// fails; "no-replica" has no replica (the cluster's 503).
/// </summary>
internal sealed class ScriptedInferenceService(ServedModel demo) : IInferenceService
{
    public IReadOnlyList<ServedModel> Models { get; } = [demo with { Name = "fail-mid" }, demo with { Name = "no-replica" }];

    public (int Running, int Waiting) Load => (0, 0);

    public ServedModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    public IAsyncEnumerable<TokenEvent> GenerateAsync(string model, int[] promptIds, SamplingParams parameters, CancellationToken cancellationToken) =>
        model == "no-replica" ? throw new NoReplicaAvailableException("no replica of 'no-replica' is active") : FailAfterTwo(cancellationToken);

    private static async IAsyncEnumerable<TokenEvent> FailAfterTwo([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new TokenEvent(65, 0, null, -1);
        yield return new TokenEvent(66, 1, null, -1);
        cancellationToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("the expert grain's silo died");
    }
}
