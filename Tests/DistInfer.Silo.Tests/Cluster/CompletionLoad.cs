using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests.Cluster;

/// <summary>
/// Completions sent without pause by a few workers, round robin over the silos in <see cref="SetTargets"/> (as a load
/// balancer would) and the models in <see cref="SetModels"/>, alternating plain and streamed; every outcome is recorded.
/// </summary>
internal sealed class CompletionLoad : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<string> _failures = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private HostedSilo[] _targets = [];
    private string[] _models = [];
    private int _next;
    private int _completed;

    public CompletionLoad(int workers, HostedSilo[] targets, string[] models)
    {
        SetTargets(targets);
        SetModels(models);
        _workers = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var stream = w % 2 == 1;
            _workers[w] = Task.Run(() => RunAsync(stream));
        }
    }

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_gate)
            {
                return [.. _failures];
            }
        }
    }

    public void SetTargets(HostedSilo[] targets) => Volatile.Write(ref _targets, targets);

    public void SetModels(string[] models) => Volatile.Write(ref _models, models);

    /// <summary>Completes once <paramref name="more"/> further requests succeeded.</summary>
    public Task WaitForMoreAsync(int more)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((_completed + more, reached));
        }

        return reached.Task.WaitAsync(TimeSpan.FromMinutes(3));
    }

    private async Task RunAsync(bool stream)
    {
        while (!_stop.IsCancellationRequested)
        {
            var i = Interlocked.Increment(ref _next);
            var targets = Volatile.Read(ref _targets);
            var models = Volatile.Read(ref _models);
            var silo = targets[i % targets.Length];
            var model = models[i / targets.Length % models.Length];
            var body = $$"""{"model":"{{model}}","prompt":"The license grants you","max_tokens":6,"temperature":0,"stream":{{(stream ? "true" : "false")}}}""";
            string? failure;
            try
            {
                failure = stream ? await StreamAsync(silo, body) : await PostAsync(silo, body);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
            {
                failure = $"{silo} {model}: {e.GetType().Name}: {e.Message}";
            }

            Record(failure);
        }
    }

    private static async Task<string?> PostAsync(HostedSilo silo, string body)
    {
        var (status, json, _) = await Api.PostAsync(silo.Http, "/v1/completions", body);
        return status == HttpStatusCode.OK && json.GetProperty("choices")[0].GetProperty("token_ids").GetArrayLength() > 0
            ? null
            : $"{silo}: {(int)status} {json}";
    }

    private static async Task<string?> StreamAsync(HostedSilo silo, string body)
    {
        var (status, events, _) = await Api.StreamAsync(silo.Http, "/v1/completions", body);
        return status == HttpStatusCode.OK && events.Count > 1 && events[^1] == "[DONE]" && !events.Exists(e => e.Contains("\"error\"", StringComparison.Ordinal))
            ? null
            : $"{silo}: {(int)status} {string.Join(" | ", events)}";
    }

    private void Record(string? failure)
    {
        lock (_gate)
        {
            if (failure is not null)
            {
                _failures.Add(failure);
                return;
            }

            _completed++;
            _waiters.RemoveAll(w =>
            {
                if (_completed < w.Count)
                {
                    return false;
                }

                w.Reached.TrySetResult();
                return true;
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }
}
