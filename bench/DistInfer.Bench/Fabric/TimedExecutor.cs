using System.Diagnostics;
using DistInfer.Engine.Serving;

namespace DistInfer.Bench.Fabric;

/// <summary>
/// Times every step of an executor. A step counts as a full decode step when it carries one token for each of
/// <paramref name="batch"/> sequences, so prefill and the steps where sequences join or leave stay out of the figure.
/// </summary>
internal sealed class TimedExecutor(IBatchExecutor inner, int batch) : IBatchExecutor
{
    private readonly List<double> _decodeMs = [];
    private readonly List<double> _decodeCpuMs = [];

    public int VocabSize => inner.VocabSize;

    /// <summary>Full decode steps' durations since the last <see cref="Reset"/>, in milliseconds.</summary>
    public IReadOnlyList<double> DecodeMs => _decodeMs;

    /// <summary>
    /// This process's CPU time (all threads) over each full decode step, in milliseconds: with the silos in this
    /// process, the work a step costs whatever else the machine runs.
    /// </summary>
    public IReadOnlyList<double> DecodeCpuMs => _decodeCpuMs;

    public void Reset()
    {
        _decodeMs.Clear();
        _decodeCpuMs.Clear();
    }

    public async ValueTask<float[]> ForwardAsync(BatchStep step, CancellationToken cancellationToken)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var logits = await inner.ForwardAsync(step, cancellationToken).ConfigureAwait(false);
        if (step.SequenceIds.Length == batch && step.Tokens.Length == batch)
        {
            _decodeMs.Add(clock.Elapsed.TotalMilliseconds);
            _decodeCpuMs.Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
        }

        return logits;
    }

    public void Recycle(float[] logits) => inner.Recycle(logits);

    public ValueTask ReleaseAsync(long sequenceId) => inner.ReleaseAsync(sequenceId);
}
