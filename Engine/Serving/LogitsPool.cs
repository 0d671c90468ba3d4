namespace DistInfer.Engine.Serving;

/// <summary>
/// Arrays of exact lengths for a step's logits [B, V], handed back through <see cref="IBatchExecutor.Recycle"/> once
/// the batcher sampled from them. A decode step's logits are a quarter of a megabyte or more, and a fresh array of
/// that size costs more than the copy it saves: on a virtual machine the collector's new pages fault in at about a
/// microsecond each. One pool per process, so an executor and a last stage in the same process share arrays.
/// </summary>
public static class LogitsPool
{
    /// <summary>Arrays kept per length; a batcher holds one step's logits at a time, micro-batches a few more.</summary>
    private const int PerLength = 8;

    /// <summary>Lengths kept (batch sizes come and go with traffic); the oldest length goes first.</summary>
    private const int Lengths = 8;

    private static readonly Lock Gate = new();
    private static readonly List<(int Length, Stack<float[]> Arrays)> Kept = [];

    /// <summary>An array of exactly <paramref name="length"/> values, contents undefined.</summary>
    public static float[] Rent(int length)
    {
        lock (Gate)
        {
            foreach (var (kept, arrays) in Kept)
            {
                if (kept == length && arrays.TryPop(out var array))
                {
                    return array;
                }
            }
        }

        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Keeps <paramref name="array"/> for a later <see cref="Rent"/>; the caller no longer reads or writes it.</summary>
    public static void Return(float[] array)
    {
        if (array.Length == 0)
        {
            return;
        }

        lock (Gate)
        {
            for (var i = 0; i < Kept.Count; i++)
            {
                if (Kept[i].Length == array.Length)
                {
                    if (Kept[i].Arrays.Count < PerLength)
                    {
                        Kept[i].Arrays.Push(array);
                    }

                    return;
                }
            }

            if (Kept.Count == Lengths)
            {
                Kept.RemoveAt(0);
            }

            var arrays = new Stack<float[]>();
            arrays.Push(array);
            Kept.Add((array.Length, arrays));
        }
    }
}
