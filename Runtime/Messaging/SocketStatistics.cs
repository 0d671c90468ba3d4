namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Process-wide counts of socket sends and receives and the frames they carried (frames per syscall shows how well
/// sends are batched), for benchmarks and diagnostics. Updated once per socket operation, not per frame.
/// </summary>
public static class SocketStatistics
{
    private static long _sends;
    private static long _framesSent;
    private static long _receives;
    private static long _framesReceived;

    public static long Sends => Interlocked.Read(ref _sends);

    public static long FramesSent => Interlocked.Read(ref _framesSent);

    public static long Receives => Interlocked.Read(ref _receives);

    public static long FramesReceived => Interlocked.Read(ref _framesReceived);

    internal static void RecordSend(int frames)
    {
        Interlocked.Increment(ref _sends);
        Interlocked.Add(ref _framesSent, frames);
    }

    internal static void RecordReceive(int frames)
    {
        Interlocked.Increment(ref _receives);
        if (frames > 0)
        {
            Interlocked.Add(ref _framesReceived, frames);
        }
    }
}
