namespace DistInfer.Runtime.Messaging;

/// <summary>A call awaiting its response, failed by <see cref="ResponseTimeouts"/> once its deadline passes.</summary>
internal interface ITimeoutTarget
{
    long DeadlineTimestamp { get; }

    void OnTimeout();
}
