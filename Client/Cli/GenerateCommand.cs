using System.CommandLine;
using System.Diagnostics;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Tokenization;

namespace DistInfer.Cli;

/// <summary>
/// `distinfer generate`: token ids in and out through safetensors files (input_ids → output_ids [B, T+N]), or a text
/// prompt whose continuation is printed as it is produced.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model directory, or with --gateway the deployed model's name", Required = true };
        var gateway = new GatewayOptions(required: false);
        var input = new Option<string?>("--input") { Description = "safetensors file with input_ids [B,T]" };
        var output = new Option<string?>("--output") { Description = "safetensors file for output_ids [B,T+N] (with --input)" };
        var prompt = new Option<string?>("--prompt") { Description = "text prompt; the continuation is printed" };
        var pad = new Option<int>("--pad-token-id")
        {
            Description = "prompt tokens with this id are padding (masked), as transformers' generate(pad_token_id=...); -1: none; in process only, not with --gateway",
            DefaultValueFactory = _ => 0,
        };
        var sampling = new SamplingOptions();
        var command = new Command("generate", "generate tokens with the in-process engine (--model DIR) or through a cluster (--gateway HOST:PORT, --model NAME)") { model, input, output, prompt, pad };
        sampling.AddTo(command);
        gateway.AddTo(command);
        command.SetAction((r, cancellationToken) => CliRunner.RunAsync(() =>
        {
            var parameters = sampling.Read(r);
            GenerateFiles.Check(r.GetValue(input), r.GetValue(output));
            var padId = r.GetValue(pad) is var p and >= 0 ? p : (int?)null;
            if (r.GetValue(gateway.Gateway) is not null)
            {
                // The cluster's batcher runs prompts without an attention mask: refuse the option rather than ignore it.
                if (r.GetResult(pad) is { Implicit: false })
                {
                    throw new DistInferException("--pad-token-id is not supported with --gateway: the cluster does not mask prompt tokens; remove the padding from the prompts");
                }

                return GatewayGenerate.RunAsync(r, gateway, r.GetValue(model)!, r.GetValue(input), r.GetValue(output), r.GetValue(prompt), parameters, cancellationToken);
            }

            return Task.FromResult((r.GetValue(input), r.GetValue(output), r.GetValue(prompt)) switch
            {
                ({ } i, { } o, null) => RunFiles(r.GetValue(model)!, i, o, parameters, padId),
                (null, null, { } text) => RunPrompt(r.GetValue(model)!, text, parameters),
                _ => throw new DistInferException("give either --input and --output, or --prompt"),
            });
        }, cancellationToken));
        return command;
    }

    private static int RunFiles(string modelDir, string inputPath, string outputPath, SamplingParams parameters, int? padId)
    {
        var (ids, masked) = ModelLoading.ReadInputIds(inputPath);
        if (masked is not null)
        {
            throw new DistInferException($"{inputPath}: attention_mask is not supported by generate; mark padding with --pad-token-id");
        }

        var model = ModelLoading.Load(modelDir);
        ContextWindow.Check(modelDir, model.Config.MaxPositionEmbeddings, ids[0].Length, parameters.MaxNewTokens);
        var results = new Generator(model).Generate(ids, parameters, padTokenId: padId);
        var width = ids[0].Length + results.Max(x => x.GeneratedIds.Length);
        var fill = padId ?? model.Config.PaddingTokenId;
        var flat = new long[ids.Length * width];
        for (var b = 0; b < ids.Length; b++)
        {
            var all = results[b].AllIds;
            for (var t = 0; t < width; t++)
            {
                flat[b * width + t] = t < all.Length ? all[t] : fill;
            }
        }

        SafeTensorsWriter.Write(outputPath, [TensorData.FromInt64("output_ids", [ids.Length, width], flat)]);
        return 0;
    }

    private static int RunPrompt(string modelDir, string text, SamplingParams parameters)
    {
        var tokenizer = BpeTokenizer.FromDirectory(modelDir);
        var model = ModelLoading.Load(modelDir);
        var promptIds = tokenizer.Encode(text);
        if (promptIds.Length == 0)
        {
            throw new DistInferException("the prompt encodes to no tokens");
        }

        ContextWindow.Check(modelDir, model.Config.MaxPositionEmbeddings, promptIds.Length, parameters.MaxNewTokens);
        var decoder = tokenizer.CreateStreamDecoder();
        var clock = Stopwatch.StartNew();
        var first = TimeSpan.Zero;
        var result = new Generator(model).Generate([promptIds], parameters, (_, token) =>
        {
            if (first == TimeSpan.Zero)
            {
                first = clock.Elapsed;
            }

            Console.Write(decoder.Append(token));
        })[0];
        Console.WriteLine(decoder.Flush());
        var n = result.GeneratedIds.Length;
        var decodeSeconds = (clock.Elapsed - first).TotalSeconds;
        Console.Error.WriteLine(
            $"[{n} tokens, prompt {promptIds.Length}, first token {first.TotalMilliseconds:F0} ms, " +
            $"{(n > 1 ? (n - 1) / decodeSeconds : 0):F1} tok/s decode, finish: {result.FinishReason.ToString().ToLowerInvariant()}, kernels: {model.Gemm.Name}]");
        return 0;
    }
}
