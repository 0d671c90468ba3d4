namespace DistInfer.Engine.Tests.Kernels;

/// <summary>Shapes every implementation is checked on: odd sizes around the tile edges, skinny and large-k cases.</summary>
internal static class GemmShapes
{
    private static readonly int[] Odd = [1, 3, 17, 33, 65, 127];

    /// <summary>(m, n, k) triples.</summary>
    public static IEnumerable<(int M, int N, int K)> All()
    {
        foreach (int m in Odd)
        {
            foreach (int n in Odd)
            {
                foreach (int k in new[] { 1, 17, 127 })
                {
                    yield return (m, n, k);
                }
            }
        }

        // Skinny (decode) shapes, including ones big enough to be split across threads.
        yield return (1, 1000, 777);
        yield return (1, 2816, 1024);
        yield return (2, 515, 300);
        yield return (3, 333, 257);
        yield return (4, 1030, 129);
        yield return (5, 300, 300);

        // Several k blocks, several column tiles, partial tiles everywhere.
        yield return (130, 200, 300);
        yield return (150, 515, 531);
        yield return (6, 32, 256);
        yield return (12, 64, 512);
        yield return (96, 512, 256);

        // Large k, small output.
        yield return (7, 9, 5000);
        yield return (1, 5, 4099);
    }
}
