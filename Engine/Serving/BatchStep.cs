namespace DistInfer.Engine.Serving;

/// <summary>
/// One step of a ragged batch: sequence s appends Counts[s] tokens (its prompt when it joins, one token per decode
/// step), laid out one sequence after another in <see cref="Tokens"/>.
/// </summary>
public sealed record BatchStep(long[] SequenceIds, int[] Counts, int[] Tokens, bool[]? Masked = null)
{
    public int TotalTokens => Tokens.Length;
}
