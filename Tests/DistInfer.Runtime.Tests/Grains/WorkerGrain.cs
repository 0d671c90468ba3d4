using System.Runtime.CompilerServices;

using System.Collections.Concurrent;

namespace DistInfer.Runtime.Tests.Grains;

[StatelessWorker(4)]
public sealed class WorkerGrain : Grain, IWorkerGrain
{
    private static readonly ConcurrentDictionary<string, (StrongBox<int> Count, TaskCompletionSource All)> Meetings = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public async Task<string> Rendezvous(string name, int parties)
    {
        var meeting = Meetings.GetOrAdd(name, _ => (new StrongBox<int>(0), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        if (Interlocked.Increment(ref meeting.Count.Value) == parties)
        {
            meeting.All.TrySetResult();
        }

        await meeting.All.Task;
        return _instance;
    }
}
