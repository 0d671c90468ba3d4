using System.Diagnostics;
using System.Globalization;
using System.Text;
using DistInfer.Engine.Cuda;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// The 640 M-parameter Mixtral-style model of hf_decode_bench.py with random bf16 weights generated on the device:
/// decode tokens/s (prompt 128, 128 new, the script's measure), prefill tokens/s at 16×512, and the batch-1
/// weight bandwidth against a measured device-to-device copy.
/// </summary>
public static class GpuBenchmark
{
    private const int Prompt = 128;
    private const int NewTokens = 128;

    public static void Run(CudaDevice device, int[] batches, string? jsonPath, int skinnyRows, bool profile)
    {
        var spec = CudaModelSpec.BenchmarkMixtral();
        int maxBatch = Math.Max(16, batches.Max());
        var options = new CudaTransformerOptions
        {
            Bf16 = true, MaxTokens = Math.Max(16 * 512, maxBatch * Prompt), MaxBatch = maxBatch, MaxSeqLen = 640, MaxLogitRows = maxBatch,
            SkinnyMoeMaxRows = skinnyRows,
        };
        var sw = Stopwatch.StartNew();
        using var model = CudaTransformer.CreateRandom(device, spec, 1, options);
        Console.WriteLine($"model: {model.WeightBytes / 1e9:F3} GB bf16 weights ({model.WeightBytes / 2 / 1e6:F0} M params) generated in {sw.ElapsedMilliseconds} ms; workspace {model.WorkspaceBytes / 1e9:F2} GB");
        Console.WriteLine($"programmatic dependent launch: {(device.ProgrammaticLaunch ? "on" : "off")}; CUDA graphs for decode: {(model.UseCudaGraphs ? "on" : "off")}");
        double copyGBs = CopyBandwidth(device, model.Stream);
        Console.WriteLine($"device-to-device copy: {copyGBs:F0} GB/s (bytes read + written)");
        var json = new StringBuilder();
        json.Append(CultureInfo.InvariantCulture, $"{{\"gpu\":\"{device.Info.Name}\",\"copy_GBs\":{copyGBs:F0},\"decode_tok_s\":{{");
        var rng = new Random(3);
        double batch1 = 0;
        foreach (int b in batches)
        {
            var prompt = Enumerable.Range(0, b * Prompt).Select(_ => rng.Next(spec.Vocab)).ToArray();
            model.GenerateGreedy(prompt, b, Prompt, 8);
            sw.Restart();
            model.GenerateGreedy(prompt, b, Prompt, NewTokens);
            double e2e = b * NewTokens / sw.Elapsed.TotalSeconds;
            model.Prefill(prompt, b, Prompt);
            var start = model.Stream.Record();
            for (int i = 1; i < NewTokens; i++)
            {
                model.DecodeStep(b);
            }

            var end = model.Stream.Record();
            double ms = model.Stream.ElapsedMilliseconds(start, end);
            double decode = b * (NewTokens - 1) / (ms / 1000);
            if (b == 1)
            {
                batch1 = decode;
            }

            Console.WriteLine($"batch {b}: prompt {Prompt} + {NewTokens} new: {e2e:F0} tok/s end to end; decode steps alone {decode:F0} tok/s ({ms / (NewTokens - 1):F3} ms/step)");
            json.Append(CultureInfo.InvariantCulture, $"{(b == batches[0] ? "" : ",")}\"{b}\":{{\"e2e\":{e2e:F0},\"decode\":{decode:F0}}}");
        }

        var pre = Enumerable.Range(0, 16 * 512).Select(_ => rng.Next(spec.Vocab)).ToArray();
        model.Prefill(pre, 16, 512);
        var s0 = model.Stream.Record();
        for (int i = 0; i < 5; i++)
        {
            model.Prefill(pre, 16, 512);
        }

        var s1 = model.Stream.Record();
        double prefill = 16 * 512 * 5 / (model.Stream.ElapsedMilliseconds(s0, s1) / 1000);
        Console.WriteLine($"prefill 16x512: {prefill:F0} tok/s");
        long bytes = BytesPerToken(spec, Prompt + NewTokens / 2);
        double gbs = bytes * batch1 / 1e9;
        Console.WriteLine($"batch-1 decode: {bytes / 1e6:F1} MB touched per token (weights of 2 experts/layer + KV) x {batch1:F0} tok/s = {gbs:F0} GB/s = {100 * gbs / copyGBs:F1}% of the measured copy bandwidth");
        json.Append(CultureInfo.InvariantCulture, $"}},\"prefill_tok_s\":{prefill:F0},\"bytes_per_token\":{bytes},\"batch1_GBs\":{gbs:F0},\"bandwidth_fraction\":{gbs / copyGBs:F3}}}");
        Console.WriteLine(json);
        if (profile)
        {
            Profile(model, spec, rng, batches);
        }

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, json.ToString());
        }
    }

    /// <summary>Per-kernel times (each launch synchronised) of one 16×512 prefill and of decode steps.</summary>
    private static void Profile(CudaTransformer model, CudaModelSpec spec, Random rng, int[] batches)
    {
        var profiler = new CudaProfiler();
        var pre = Enumerable.Range(0, 16 * 512).Select(_ => rng.Next(spec.Vocab)).ToArray();
        CudaProfiler.Current = profiler;
        model.Prefill(pre, 16, 512);
        CudaProfiler.Current = null;
        Console.WriteLine("profile: prefill 16x512");
        Console.Write(profiler.Report());
        foreach (int b in batches)
        {
            var prompt = Enumerable.Range(0, b * Prompt).Select(_ => rng.Next(spec.Vocab)).ToArray();
            model.Prefill(prompt, b, Prompt);
            profiler.Reset();
            CudaProfiler.Current = profiler;
            for (int i = 0; i < 16; i++)
            {
                model.DecodeStep(b);
            }

            CudaProfiler.Current = null;
            Console.WriteLine($"profile: 16 decode steps at batch {b}");
            Console.Write(profiler.Report());
        }
    }

    /// <summary>Weights a batch-1 decode step reads (embedding row, attention, router, top-k experts, lm_head) plus KV.</summary>
    public static long BytesPerToken(CudaModelSpec s, int context)
    {
        long h = s.Hidden, hd = s.HeadDim;
        long attention = ((s.Heads + 2L * s.KvHeads) * hd * h + h * s.Heads * hd) * 2;
        long experts = s.TopK * 3L * s.MoeIntermediate * h * 2;
        long perLayer = attention + s.Experts * h * 4 + experts + 2 * h * 4 + 2L * context * s.KvHeads * hd * 2;
        return h * 2 + s.Layers * perLayer + (long)s.Vocab * h * 2 + h * 4;
    }

    /// <summary>GB/s of a 1 GiB device-to-device cudaMemcpyAsync, counting bytes read and written.</summary>
    private static double CopyBandwidth(CudaDevice device, CudaStream stream)
    {
        const long Bytes = 1L << 30;
        using var a = device.Allocate(Bytes);
        using var b = device.Allocate(Bytes);
        stream.CopyAsync(b.Pointer, a.Pointer, Bytes, 3);
        var start = stream.Record();
        for (int i = 0; i < 10; i++)
        {
            stream.CopyAsync(b.Pointer, a.Pointer, Bytes, 3);
        }

        var end = stream.Record();
        double ms = stream.ElapsedMilliseconds(start, end);
        return 2.0 * Bytes * 10 / (ms / 1000) / 1e9;
    }
}
