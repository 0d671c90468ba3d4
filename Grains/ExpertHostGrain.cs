using DistInfer.Grains.Compute;
using DistInfer.Grains.Weights;
using DistInfer.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace DistInfer.Grains;

/// <summary>
/// One silo's expert replicas as a single call target (key: the silo's pin). The replicas run one after another,
/// each through the weights its grain registered on this silo (<see cref="LocalExperts"/>, or the GPU's), and count
/// there as served without a call to the grain. A replica whose grain holds no weights here (retired, deactivated,
/// not loaded yet) comes back in <see cref="ExpertBatchResult.Missing"/>: the stage calls that grain, which loads
/// or reactivates it. One after another, not in parallel: each product already uses every core (or the device).
/// </summary>
[SiloPinnedPlacement]
public sealed class ExpertHostGrain : Grain, IExpertHostGrain
{
    private LocalExperts? _cpu;
    private GrainComputeDevice? _device;
    private bool _resolved;

    public Task<ExpertBatchResult> Forward(ExpertBatch batch)
    {
        if (batch.Keys.Length != batch.Rows.Length)
        {
            throw new ArgumentException($"expert batch for {this.GetPrimaryKeyString()}: {batch.Keys.Length} replica keys but {batch.Rows.Length} row counts");
        }

        var total = 0L;
        foreach (var rows in batch.Rows)
        {
            total += rows >= 0 ? rows : throw new ArgumentException($"expert batch for {this.GetPrimaryKeyString()}: negative row count {rows}");
        }

        if (total == 0 ? batch.Tokens.Length != 0 : batch.Tokens.Length % total != 0)
        {
            throw new ArgumentException($"expert batch for {this.GetPrimaryKeyString()}: {batch.Tokens.Length} values do not make {total} rows of one width");
        }

        if (!_resolved)
        {
            _cpu = ServiceProvider.GetService<LocalExperts>();
            _device = ServiceProvider.GetService<GrainComputeDevice>();
            _resolved = true;
        }

        var width = total == 0 ? 0 : (int)(batch.Tokens.Length / total);
        var outputs = new float[batch.Tokens.Length];
        List<int>? missing = null;
        var offset = 0;
        for (var i = 0; i < batch.Keys.Length; i++)
        {
            var size = batch.Rows[i] * width;
            if (!TryRun(batch.Keys[i], batch.Tokens.AsSpan(offset, size), batch.Rows[i], outputs.AsSpan(offset, size)))
            {
                (missing ??= []).Add(i);
            }

            offset += size;
        }

        return Task.FromResult(new ExpertBatchResult { Outputs = outputs, Missing = missing?.ToArray() ?? [] });
    }

    private bool TryRun(string key, ReadOnlySpan<float> block, int rows, Span<float> output)
    {
        if (_cpu?.Find(key) is { } cpu)
        {
            if (cpu.Weights.Down.OutFeatures * rows != block.Length)
            {
                throw new ArgumentException($"expert {key}: {block.Length} values for {rows} rows of width {cpu.Weights.Down.OutFeatures}");
            }

            cpu.Forward(block, rows, output);
            return true;
        }

        if (_device?.Cuda is null)
        {
            return false;
        }

        // Held while running so the grain cannot free the weights under the product (it unregisters under the gate).
        lock (_device.ExpertsGate)
        {
            if (_device.Local(key) is not { } gpu)
            {
                return false;
            }

            _device.Experts.Forward(gpu.Weights, block, rows, output);
            gpu.Served(rows);
            return true;
        }
    }
}
