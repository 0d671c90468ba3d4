using Microsoft.Extensions.Logging;

namespace DistInfer.Runtime.Membership;

/// <summary>
/// One periodic duty of the agent (heartbeat, table refresh, metadata refresh) on a <see cref="TimeProvider"/>
/// timer. A tick that finds the previous run still going is skipped; failures are logged and retried next tick.
/// </summary>
internal sealed class MembershipPeriodicWork : IDisposable
{
    private readonly string _operation;
    private readonly Func<Task> _work;
    private readonly AgentWorkTracker _tracker;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _running;

    public MembershipPeriodicWork(string operation, TimeSpan period, Func<Task> work, AgentWorkTracker tracker, TimeProvider time, ILogger logger)
    {
        _operation = operation;
        _work = work;
        _tracker = tracker;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((MembershipPeriodicWork)state!).OnTick(), this, period, period);
    }

    public void Dispose() => _timer.Dispose();

    private void OnTick()
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        _tracker.Enter();
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await _work().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MembershipAgentLog.Failed(_logger, _operation, ex);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
            _tracker.Exit();
        }
    }
}
