namespace DistInfer.Grains;

/// <summary>Whether a stage has room for the KV caches of the sequences a step brings it for the first time.</summary>
internal static class StageCapacity
{
    /// <summary>
    /// Throws <see cref="StageFullException"/> before anything is created when the step's new sequences (not held,
    /// no cache expected) outnumber <paramref name="free"/>: creating some and failing on the next would leave caches
    /// for sequences whose step never ran.
    /// </summary>
    public static void ThrowIfNoRoom<T>(StageStep step, Dictionary<long, T> held, int free, string stage, string limit)
    {
        var fresh = 0;
        for (var s = 0; s < step.SequenceIds.Length; s++)
        {
            var expected = step.ExpectedLengths.Length > s ? step.ExpectedLengths[s] : -1;
            if (expected <= 0 && !held.ContainsKey(step.SequenceIds[s]))
            {
                fresh++;
            }
        }

        if (fresh > free)
        {
            throw StageFullException.Create(stage, held.Count, Math.Max(0, free), fresh, limit);
        }
    }
}
