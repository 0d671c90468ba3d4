namespace DistInfer.Runtime;

/// <summary>What a grain instance knows about its activation; implemented by the runtime.</summary>
public interface IGrainActivationContext
{
    GrainId GrainId { get; }

    IGrainFactory GrainFactory { get; }

    IServiceProvider ActivationServices { get; }

    string RuntimeIdentity { get; }

    void DeactivateOnIdle();

    void DelayDeactivation(TimeSpan timeSpan);

    IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options);
}
