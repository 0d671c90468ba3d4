using System.Runtime.InteropServices;

namespace DistInfer.Cli;

/// <summary>
/// The first Ctrl+C (SIGINT) or SIGTERM cancels the running command's token, so it can stop what it asked of the
/// cluster before exiting; a second one ends the process at once.
/// </summary>
internal sealed class CliInterrupt : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public CliInterrupt()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancellation.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (!_cancellation.IsCancellationRequested)
        {
            // Asynchronously: the command's whole unwinding (its cancel calls to the cluster, the exit) must not run
            // inside the runtime's signal dispatch.
            context.Cancel = true;
            _ = _cancellation.CancelAsync();
        }
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }
}
