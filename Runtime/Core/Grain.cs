namespace DistInfer.Runtime;

/// <summary>
/// Base class of grain implementations (Orleans' shape). The runtime attaches the activation context before
/// OnActivateAsync; grain code runs one turn at a time unless the class is [Reentrant].
/// </summary>
public abstract class Grain : IAddressable
{
    private IGrainActivationContext? _context;

    public GrainId GrainId => Context.GrainId;

    /// <summary>"interface/key", for logs.</summary>
    public string IdentityString => Context.GrainId.ToString();

    /// <summary>The silo this activation lives on.</summary>
    public string RuntimeIdentity => Context.RuntimeIdentity;

    public IGrainFactory GrainFactory => Context.GrainFactory;

    public IServiceProvider ServiceProvider => Context.ActivationServices;

    private IGrainActivationContext Context =>
        _context ?? throw new InvalidOperationException("The grain is not attached to an activation (was it created with new?)");

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivate once the current request completes.</summary>
    protected void DeactivateOnIdle() => Context.DeactivateOnIdle();

    /// <summary>Keep the activation at least this long, whatever its idle age limit.</summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => Context.DelayDeactivation(timeSpan);

    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options) =>
        Context.RegisterTimer(callback, options);

    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterTimer(callback, new GrainTimerCreationOptions(dueTime, period));

    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterTimer(ct => callback(state, ct), new GrainTimerCreationOptions(dueTime, period));

    /// <summary>Orleans' older timer API: the callback interleaves with requests.</summary>
    protected IDisposable RegisterTimer(Func<object?, Task> callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Context.RegisterTimer(_ => callback(state), new GrainTimerCreationOptions(dueTime, period) { Interleave = true });

    internal IGrainActivationContext? Activation => _context;

    internal void Attach(IGrainActivationContext context) => _context = context;
}
