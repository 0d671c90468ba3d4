using System.CommandLine;
using System.Diagnostics;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Cli;

/// <summary>`distinfer model init`: a random checkpoint in the Hugging Face layout, for benchmarks.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = string.Join("|", RandomCheckpoint.Architectures), DefaultValueFactory = _ => "mixtral" };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 1024 };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 8 };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 16 };
        var kvHeads = new Option<int>("--kv-heads") { DefaultValueFactory = _ => 4 };
        var experts = new Option<int>("--experts") { DefaultValueFactory = _ => 8 };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 2 };
        var ffn = new Option<int>("--ffn") { DefaultValueFactory = _ => 2816 };
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => 32000 };
        var dtype = new Option<string>("--dtype") { Description = "bf16|f32", DefaultValueFactory = _ => "bf16" };
        var seed = new Option<ulong>("--seed");
        var output = new Option<string>("--out") { Description = "directory to create", Required = true };
        var init = new Command("init", "write a random checkpoint (config.json + safetensors)")
        {
            arch, hidden, layers, heads, kvHeads, experts, topK, ffn, vocab, dtype, seed, output,
        };
        init.SetAction(r => CliRunner.Run(() =>
        {
            var options = new ModelInitOptions
            {
                Architecture = r.GetValue(arch)!,
                Hidden = r.GetValue(hidden),
                Layers = r.GetValue(layers),
                Heads = r.GetValue(heads),
                KvHeads = r.GetValue(kvHeads),
                Experts = r.GetValue(experts),
                TopK = r.GetValue(topK),
                Ffn = r.GetValue(ffn),
                Vocab = r.GetValue(vocab),
                DType = r.GetValue(dtype) switch
                {
                    "bf16" => DType.BF16,
                    "f32" => DType.F32,
                    var d => throw new DistInferException($"--dtype must be bf16 or f32 (got '{d}')"),
                },
                Seed = r.GetValue(seed),
            };
            var clock = Stopwatch.StartNew();
            var result = RandomCheckpoint.Write(r.GetValue(output)!, options);
            Console.WriteLine($"wrote {result.Directory}: {result.Parameters / 1e6:F1} M parameters, {result.TensorBytes / 1e6:F0} MB in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return new Command("model", "model utilities") { init };
    }
}
