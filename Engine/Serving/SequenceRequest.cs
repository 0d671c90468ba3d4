using DistInfer.Engine.Generation;

namespace DistInfer.Engine.Serving;

/// <summary>One sequence of a request that the <see cref="ContinuousBatcher"/> admits together with its siblings.</summary>
/// <param name="CancellationToken">Ends this sequence only (a choice whose stop string matched), not its siblings.</param>
public sealed record SequenceRequest(int[] PromptIds, SamplingParams Parameters, CancellationToken CancellationToken = default)
{
    /// <summary>Throws <see cref="DistInferException"/> naming what a batcher of <paramref name="vocabSize"/> tokens cannot run.</summary>
    public void Validate(int vocabSize)
    {
        Parameters.Validate();
        if (PromptIds.Length == 0)
        {
            throw new DistInferException("the prompt is empty");
        }

        foreach (var id in PromptIds)
        {
            if ((uint)id >= (uint)vocabSize)
            {
                throw new DistInferException($"token id {id} is outside the vocabulary [0, {vocabSize})");
            }
        }
    }
}
