namespace DistInfer.Engine.Generation;

/// <summary>
/// One sequence's repetition penalty (transformers' RepetitionPenaltyLogitsProcessor, vLLM's repetition_penalty): the
/// logit of every distinct token of the prompt or generated so far is divided by the penalty when positive and
/// multiplied by it otherwise. <see cref="Restore"/> puts the raw logits back, so log-probabilities stay the model's own.
/// </summary>
internal sealed class RepetitionPenalty
{
    private readonly float _penalty;
    private readonly HashSet<int> _seen = [];

    // Distinct ids in the order first seen, and their logits before the last Apply.
    private readonly List<int> _ids = [];
    private float[] _saved = [];

    public RepetitionPenalty(float penalty, IReadOnlyList<int>? promptIds)
    {
        _penalty = penalty;
        if (promptIds is not null)
        {
            foreach (var id in promptIds)
            {
                Add(id);
            }
        }
    }

    /// <summary>Counts <paramref name="token"/> as seen (a generated token).</summary>
    public void Add(int token)
    {
        if (_seen.Add(token))
        {
            _ids.Add(token);
        }
    }

    public void Apply(Span<float> logits)
    {
        if (_saved.Length < _ids.Count)
        {
            _saved = new float[Math.Max(_ids.Count, _saved.Length * 2)];
        }

        for (var i = 0; i < _ids.Count; i++)
        {
            var id = _ids[i];
            if ((uint)id >= (uint)logits.Length)
            {
                continue;
            }

            var logit = logits[id];
            _saved[i] = logit;
            logits[id] = logit > 0 ? logit / _penalty : logit * _penalty;
        }
    }

    /// <summary>Undoes the last <see cref="Apply"/>.</summary>
    public void Restore(Span<float> logits)
    {
        for (var i = 0; i < _ids.Count; i++)
        {
            var id = _ids[i];
            if ((uint)id < (uint)logits.Length)
            {
                logits[id] = _saved[i];
            }
        }
    }
}
