namespace DistInfer.Runtime.Cluster;

/// <summary>
/// Answers <see cref="IMembershipGossipTarget"/>: re-reads the table in the background, one read at a time, with a
/// second one queued when news arrive during a read (so the last gossip is never lost).
/// </summary>
internal sealed class MembershipGossipTarget(IMembershipGossip gossip) : IMembershipGossipTarget
{
    public const string SystemTargetType = "sys.membership";

    private int _state; // 0 idle, 1 reading, 2 reading with another read queued

    public Task TableChangedAsync()
    {
        if (Interlocked.Increment(ref _state) == 1)
        {
            _ = ReadAsync();
        }
        else
        {
            // Already reading: at most one more read is queued.
            Interlocked.CompareExchange(ref _state, 2, 3);
        }

        return Task.CompletedTask;
    }

    private async Task ReadAsync()
    {
        while (true)
        {
            try
            {
                await gossip.RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The table is unreachable; the periodic refresh keeps trying.
            }

            if (Interlocked.Decrement(ref _state) == 0)
            {
                return;
            }

            Volatile.Write(ref _state, 1);
        }
    }
}
