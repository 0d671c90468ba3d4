using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Invocation;

/// <summary>
/// One call: generated per grain method, holding the arguments as typed fields. Local calls hand this object to the
/// activation (after copying mutable arguments); remote calls serialize the arguments and the receiver rebuilds it.
/// Invocation is a typed virtual call; no reflection.
/// </summary>
public abstract class GrainRequest
{
    public abstract int InterfaceId { get; }

    public abstract int MethodId { get; }

    public abstract string MethodName { get; }

    public virtual MethodFlags Flags => MethodFlags.None;

    /// <summary>Per-method [ResponseTimeout]; null means the runtime default (30 s).</summary>
    public virtual TimeSpan? ResponseTimeout => null;

    public bool IsOneWay => (Flags & MethodFlags.OneWay) != 0;

    public bool IsAlwaysInterleave => (Flags & MethodFlags.AlwaysInterleave) != 0;

    public virtual bool HasCancellationToken => false;

    public virtual CancellationToken CancellationToken => default;

    /// <summary>Receiver side: replaces the token argument with one the runtime cancels on a cancel message.</summary>
    public virtual void SetCancellationToken(CancellationToken token)
    {
    }

    public abstract ValueTask<object?> InvokeAsync(object target);

    public abstract void WriteArguments(ref Writer writer);

    public abstract void ReadArguments(ref Reader reader);

    /// <summary>A request for a local call: mutable arguments deep-copied, [Immutable] ones shared.</summary>
    public abstract GrainRequest CopyForLocalCall();

    public abstract void WriteResult(ref Writer writer, object? result);

    public abstract object? ReadResult(ref Reader reader);

    public abstract object? CopyResult(object? result);

    public override string ToString() => MethodName;
}
