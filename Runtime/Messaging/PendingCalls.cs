namespace DistInfer.Runtime.Messaging;

/// <summary>
/// Calls awaiting responses by correlation id, in lock-striped dictionaries: adding and removing one allocates
/// nothing (a concurrent dictionary allocated a node per call), and consecutive ids fall into different stripes.
/// </summary>
internal sealed class PendingCalls
{
    private const int StripeCount = 16;
    private readonly Dictionary<long, PendingCall>[] _stripes = new Dictionary<long, PendingCall>[StripeCount];

    public PendingCalls()
    {
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = [];
        }
    }

    public int Count
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                lock (stripe)
                {
                    count += stripe.Count;
                }
            }

            return count;
        }
    }

    public void Add(long id, PendingCall call)
    {
        var stripe = StripeOf(id);
        lock (stripe)
        {
            stripe[id] = call;
        }
    }

    public bool TryRemove(long id, out PendingCall call)
    {
        var stripe = StripeOf(id);
        lock (stripe)
        {
            return stripe.Remove(id, out call!);
        }
    }

    /// <summary>Removes and returns the calls sent on <paramref name="connection"/> (it was lost).</summary>
    public List<PendingCall> RemoveSentOn(Connection connection)
    {
        var removed = new List<PendingCall>();
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                var first = removed.Count;
                foreach (var pair in stripe)
                {
                    if (ReferenceEquals(pair.Value.Connection, connection))
                    {
                        removed.Add(pair.Value);
                    }
                }

                for (var i = first; i < removed.Count; i++)
                {
                    stripe.Remove(removed[i].CorrelationId);
                }
            }
        }

        return removed;
    }

    private Dictionary<long, PendingCall> StripeOf(long id) => _stripes[(int)(id & (StripeCount - 1))];
}
