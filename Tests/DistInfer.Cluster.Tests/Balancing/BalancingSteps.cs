using DistInfer.Cluster.Tests.Infrastructure;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>
/// The prefill steps the balancing tests run: 4 sequences of 14 tokens per step, 28 of residue 0 and 4 of every
/// other residue (mod 8), so experts 0 and 1 each take about 32 of the step's 112 routed tokens and the others 8:
/// balancedness 14 / 32 = 0.44 (attention moves a few tokens). With 3 replicas of each hot expert it would be 0.875.
/// </summary>
internal static class BalancingSteps
{
    public const int Sequences = 4;

    public static readonly int[] Skewed = [28, 4, 4, 4, 4, 4, 4, 4];

    public static readonly int[] Uniform = [7, 7, 7, 7, 7, 7, 7, 7];

    public static IEnumerable<(int[] Tokens, int[] Counts)> Batches(SkewedCheckpoint checkpoint, int steps = 3, int[]? perResidue = null)
    {
        var random = new Random(5);
        perResidue ??= Skewed;
        for (var s = 0; s < steps; s++)
        {
            var tokens = checkpoint.Tokens(perResidue, random);
            yield return (tokens, Enumerable.Repeat(tokens.Length / Sequences, Sequences).ToArray());
        }
    }
}
