namespace DistInfer.Runtime.Hosting;

/// <summary>
/// A service that starts and stops with the silo (register it as a singleton of this interface), e.g. stream
/// pulling agents. Participants run in registration order.
/// </summary>
public interface ISiloLifecycleParticipant
{
    /// <summary>Before the silo listens or joins: fail here (e.g. an unreachable dependency) to fail the start.</summary>
    Task OnStartingAsync(Silo silo, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the silo is Active in membership and serves grain calls.</summary>
    Task OnStartedAsync(Silo silo, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// First step of stopping, before grains deactivate. <paramref name="graceful"/> is false for KillAsync: let go
    /// without waiting.
    /// </summary>
    Task OnStoppingAsync(Silo silo, bool graceful) => Task.CompletedTask;
}
