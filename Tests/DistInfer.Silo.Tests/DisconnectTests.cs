using System.Runtime.CompilerServices;
using System.Text;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class DisconnectTests(ModelFixture models)
{
    [Fact]
    public async Task Completions_ClientDropsStream_GenerationCancelled()
    {
        var watched = new WatchedService(models.Service);
        await using var silo = await TestSilo.StartAsync(watched);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("""{"model":"demo","prompt":"The license","max_tokens":900,"temperature":0,"stream":true}""", Encoding.UTF8, "application/json"),
        };

        // A client of its own that really hangs up: HttpClient's default handler would otherwise keep reading the
        // rest of the response for up to 2 s to reuse the connection, and on a fast machine all 900 tokens fit in that.
        using (var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = silo.BaseAddress })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        watched.ClientGone.SetResult();

        var (cancelled, tokens, how) = await watched.Ended.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(cancelled, $"the generation ended without its cancellation after {tokens} tokens: {how}");
        Assert.True(tokens < 900, $"{tokens} tokens were generated for a client that left");
    }

    /// <summary>The fixture's service, reporting how each generation ended.</summary>
    private sealed class WatchedService(LocalInferenceService inner) : IInferenceService
    {
        private static readonly TimeSpan CancellationBound = TimeSpan.FromSeconds(30);

        public TaskCompletionSource<(bool Cancelled, int Tokens, string How)> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Set once the client hung up. The second token waits for it, then for the generation's cancellation: on a
        /// loaded machine the client could otherwise be descheduled while all 900 tokens went into the socket's
        /// buffers (or were made while a wrapper waited), and the generation end before it left.
        /// </summary>
        public TaskCompletionSource ClientGone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<ServedModel> Models => inner.Models;

        public (int Running, int Waiting) Load => inner.Load;

        public ServedModel? Find(string name) => inner.Find(name);

        public async ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken)
        {
            // No early end-of-sequence (the shared model's batch may hold other tests' rows, which can change the
            // greedy tokens): only the client leaving can stop this generation before max_tokens.
            var streams = await inner.StartAsync(model, [.. sequences.Select(s => s with { Parameters = s.Parameters with { MinNewTokens = s.Parameters.MaxNewTokens } })], cancellationToken);
            return [.. streams.Select((tokens, i) => Watch(tokens, sequences[i].CancellationToken))];
        }

        private async IAsyncEnumerable<TokenEvent> Watch(IAsyncEnumerable<TokenEvent> tokens, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var count = 0;
            var how = "the caller stopped reading";
            var enumerator = tokens.GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await enumerator.MoveNextAsync())
                        {
                            how = "the token stream ended";
                            break;
                        }
                    }
                    catch (Exception ex)
                    {
                        how = "the token stream threw " + ex.GetType().Name + ": " + ex.Message;
                        throw;
                    }

                    count++;
                    if (count == 2)
                    {
                        // The client has gone: the server must now cancel this generation on its own, without
                        // another token written (a bound, not a pause: without the cancellation the test fails).
                        await ClientGone.Task.WaitAsync(cancellationToken);
                        await Task.Delay(CancellationBound, cancellationToken);
                        Ended.TrySetResult((false, count, $"no cancellation within {CancellationBound.TotalSeconds} s of the client leaving"));
                    }

                    yield return enumerator.Current;
                }
            }
            finally
            {
                Ended.TrySetResult((cancellationToken.IsCancellationRequested, count, how));
                await enumerator.DisposeAsync();
            }
        }
    }
}
