using System.Diagnostics;

namespace DistInfer.Grains.Routing;

/// <summary>One expert replica as a stage's dispatcher sees it: its grain key and the tokens sent to it.</summary>
public sealed class ReplicaSlot(string key, int layer, int expert, int replica)
{
    private long _outstanding;
    private long _dispatched;
    private long _calls;
    private long _callTicks;

    public string Key { get; } = key;
    public int Layer { get; } = layer;
    public int Expert { get; } = expert;
    public int Replica { get; } = replica;

    /// <summary>The silo pin in the key (empty when unpinned).</summary>
    public string Pin { get; } = key.LastIndexOf('@') > key.LastIndexOf('/') ? key[(key.LastIndexOf('@') + 1)..] : string.Empty;

    /// <summary>Tokens sent and not yet answered.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Tokens sent since the slot was created.</summary>
    public long Dispatched => Interlocked.Read(ref _dispatched);

    /// <summary>Calls made to this replica.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Total wall time of those calls, from dispatch to answer.</summary>
    public TimeSpan CallTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _callTicks));

    /// <summary>A call with <paramref name="rows"/> tokens starts.</summary>
    public void Begin(int rows)
    {
        Interlocked.Add(ref _outstanding, rows);
        Interlocked.Add(ref _dispatched, rows);
    }

    /// <summary><paramref name="rows"/> tokens ran on this replica's weights without a call (on the stage's device, or in its turn on the CPU).</summary>
    public void Served(int rows) => Interlocked.Add(ref _dispatched, rows);

    /// <summary>
    /// Takes back <paramref name="rows"/> tokens counted by <see cref="Begin"/> for a call that did not run them on this
    /// replica (a grouped call whose host lacked it; the tokens went in a call of their own, counted there); returns
    /// the tokens still outstanding.
    /// </summary>
    public long Withdraw(int rows)
    {
        Interlocked.Add(ref _dispatched, -rows);
        return Interlocked.Add(ref _outstanding, -rows);
    }

    /// <summary>A call started at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp) ended; returns the tokens still outstanding.</summary>
    public long End(int rows, long started)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _callTicks, Stopwatch.GetTimestamp() - started);
        return Interlocked.Add(ref _outstanding, -rows);
    }
}
