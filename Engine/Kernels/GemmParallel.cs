namespace DistInfer.Engine.Kernels;

/// <summary>Runs a product's tasks on the decode helpers when it may use every core, else on the thread pool.</summary>
internal static class GemmParallel
{
    public static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
        }
        else if (threads < SkinnyPool.Shared.Threads || !SkinnyPool.Shared.TryRun(new DelegatePartwiseWork(body), count))
        {
            // On the decode helpers when the product may use every core: they spin between a step's products, and
            // waking pool threads for each product (batched decode runs tens a step) costs more than short tasks.
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
        }
    }
}
