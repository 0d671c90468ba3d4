namespace DistInfer.Runtime.Messaging;

/// <summary>Messaging limits shared by silos and clients.</summary>
public sealed class MessagingOptions
{
    /// <summary>Largest frame accepted or sent; a larger message fails its own call only.</summary>
    public int MaxMessageSize { get; set; } = 256 * 1024 * 1024;

    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long opening a connection may take: a host that is off or behind a firewall that drops packets answers
    /// nothing, and the kernel's own SYN retries last about two minutes, during which every caller waited.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Idle time before TCP keepalive probes start on a connection (then every second, five times): a peer whose host
    /// went away without closing is noticed in about this plus five seconds, and its calls fail over instead of waiting
    /// for the kernel's retransmission limit (about fifteen minutes). Zero turns keepalive off.
    /// </summary>
    public TimeSpan KeepAliveIdle { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Senders wait once this many bytes are queued on a connection...</summary>
    public long SendPauseThreshold { get; set; } = 64L * 1024 * 1024;

    /// <summary>...until the queue drains below this.</summary>
    public long SendResumeThreshold { get; set; } = 32L * 1024 * 1024;

    /// <summary>Frames gathered into one socket send.</summary>
    public int MaxBatchFrames { get; set; } = 64;

    /// <summary>
    /// A frame queued while nothing else waits or is being sent on its connection is written by the sending thread
    /// itself, so it is on the wire before that thread goes on (a stage starting its own experts after sending calls
    /// to remote ones); otherwise it waits for the connection's send loop, which batches.
    /// </summary>
    public bool WriteThroughWhenIdle { get; set; } = true;

    /// <summary>The version this endpoint greets with and advertises; tests set another to play an older build.</summary>
    internal int WireProtocolVersion { get; set; } = WireProtocol.Version;
}
