using System.Diagnostics;
using DistInfer.Engine.Model;

namespace DistInfer.Bench.Commands;

/// <summary>One model's prefill then greedy decode steps over a batch of random prompts, each step timed.</summary>
internal sealed class DecodeRun
{
    private readonly TransformerModel _model;
    private readonly int[][] _prompts;
    private readonly SequenceKvCache[] _caches;
    private readonly int[] _next;
    private readonly int[] _ones;
    private readonly List<double> _steps = [];
    private float[] _logits = [];

    public DecodeRun(string name, TransformerModel model, int batch, int prompt, int steps)
    {
        Name = name;
        _model = model;
        var random = new Random(1);
        _prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, prompt).Select(_ => random.Next(model.Config.VocabSize)).ToArray()).ToArray();
        _caches = _prompts.Select(_ => model.CreateCache(prompt + steps + 16)).ToArray();
        _next = new int[batch];
        _ones = Enumerable.Repeat(1, batch).ToArray();
    }

    public string Name { get; }

    public TransformerModel Model => _model;

    public double PrefillSeconds { get; private set; }

    /// <summary>Seconds of each timed step.</summary>
    public IReadOnlyList<double> Steps => _steps;

    public void Prefill()
    {
        var clock = Stopwatch.StartNew();
        _logits = _model.Forward(new BatchLayout(_caches, Enumerable.Repeat(_prompts[0].Length, _prompts.Length).ToArray()), _prompts.SelectMany(p => p).ToArray(), allPositions: false);
        PrefillSeconds = clock.Elapsed.TotalSeconds;
    }

    public void Step()
    {
        var start = Stopwatch.GetTimestamp();
        Decode();
        _steps.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Managed bytes allocated (all threads) per untimed step, over <paramref name="steps"/> steps.</summary>
    public long AllocatedBytesPerStep(int steps)
    {
        Decode();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < steps; i++)
        {
            Decode();
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / steps;
    }

    private void Decode()
    {
        var vocab = _model.Config.VocabSize;
        for (var s = 0; s < _next.Length; s++)
        {
            _next[s] = Engine.Model.Ops.ArgMax(_logits.AsSpan(s * vocab, vocab));
        }

        _model.Forward(new BatchLayout(_caches, _ones), _next, allPositions: false, _logits.AsSpan());
    }
}
