using System.Text;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// A service that stops waiting for an admission when the request's token is cancelled while the admission itself goes
/// through later, as the fabric's does (<c>FabricInferenceService</c>: the front's admission, awaited with WaitAsync).
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class LateAdmissionTests(ModelFixture models)
{
    [Fact]
    public async Task Completions_ClientLeavesWhileAdmissionPends_SequencesAdmittedAfterwardAreCancelled()
    {
        var service = new LateAdmittingService(models.Service);
        await using var silo = await TestSilo.StartAsync(service);
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = silo.BaseAddress };
        using var leave = new CancellationTokenSource();
        var body = new StringContent("""{"model":"demo","prompt":"The license","max_tokens":300,"n":2,"stream":true}""", Encoding.UTF8, "application/json");
        var request = client.PostAsync("/v1/completions", body, leave.Token);
        await service.Asked.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // The client hangs up; the API gives up waiting for the admission, which then goes through after all.
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await service.GaveUp.Task.WaitAsync(TimeSpan.FromSeconds(60));
        service.Admit.SetResult();

        // Nobody reads these sequences: they must end as cancelled, not run to max_tokens holding the batcher's room.
        var ends = await service.Ended.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, ends.Length);
        Assert.All(ends, end => Assert.True(end.Reason == FinishReason.Cancelled, $"a sequence nobody reads ran {end.Tokens} tokens and ended with {end.Reason}"));
    }

    private sealed class LateAdmittingService(LocalInferenceService inner) : IInferenceService
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource GaveUp { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Admit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>How each admitted sequence ended: its last finish reason and the tokens it made.</summary>
        public TaskCompletionSource<(FinishReason? Reason, int Tokens)[]> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<ServedModel> Models => inner.Models;

        public (int Running, int Waiting) Load => inner.Load;

        public ServedModel? Find(string name) => inner.Find(name);

        public async ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken)
        {
            var admission = AdmitAsync(model, sequences);
            // Not disposed: disposing it while the token's callbacks run would take it out before it ran.
            cancellationToken.Register(() => GaveUp.TrySetResult());
            Asked.TrySetResult();
            return await admission.WaitAsync(cancellationToken);
        }

        private async Task<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> AdmitAsync(string model, IReadOnlyList<SequenceRequest> sequences)
        {
            await Admit.Task;

            // No early end-of-sequence: only a cancellation ends these before max_tokens.
            var streams = await inner.StartAsync(model, [.. sequences.Select(s => s with { Parameters = s.Parameters with { MinNewTokens = s.Parameters.MaxNewTokens } })], CancellationToken.None);
            _ = WatchAsync(streams);
            return streams;
        }

        private async Task WatchAsync(IReadOnlyList<IAsyncEnumerable<TokenEvent>> streams)
        {
            var ends = await Task.WhenAll(streams.Select(async tokens =>
            {
                FinishReason? reason = null;
                var count = 0;
                try
                {
                    await foreach (var token in tokens)
                    {
                        count += token.TokenId >= 0 ? 1 : 0;
                        reason = token.FinishReason ?? reason;
                    }
                }
                catch (OperationCanceledException)
                {
                    // A stream whose token was cancelled ends so after its last event.
                }

                return (reason, count);
            }));
            Ended.SetResult(ends);
        }
    }
}
