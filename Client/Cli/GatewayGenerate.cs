using System.CommandLine;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Generation;
using DistInfer.Grains;

namespace DistInfer.Cli;

/// <summary>`distinfer generate --gateway`: the same file and prompt contract as in-process, served by the cluster.</summary>
internal static class GatewayGenerate
{
    public static async Task<int> RunAsync(ParseResult r, GatewayOptions gateway, string model, string? input, string? output, string? prompt, SamplingParams parameters)
    {
        await using var client = await gateway.ConnectAsync(r);
        var front = GatewayConnection.Front(client);
        int[][] prompts;
        if (input is not null && output is not null && prompt is null)
        {
            var (ids, masked) = ModelLoading.ReadInputIds(input);
            prompts = masked is null ? ids : throw new DistInferException($"{input}: attention_mask is not supported by generate");
        }
        else if (prompt is not null && input is null && output is null)
        {
            prompts = [await front.Encode(model, prompt)];
        }
        else
        {
            throw new DistInferException("give either --input and --output, or --prompt");
        }

        var response = await front.Generate(new GenerateRequest
        {
            Model = model,
            Prompts = [.. prompts],
            MaxNewTokens = parameters.MaxNewTokens,
            MinNewTokens = parameters.MinNewTokens,
            Temperature = parameters.Temperature,
            TopK = parameters.TopK,
            TopP = parameters.TopP,
            MinP = parameters.MinP,
            RepetitionPenalty = parameters.RepetitionPenalty,
            Seed = parameters.Seed is { } seed ? (long)seed : null,
        });
        if (prompt is not null)
        {
            Console.WriteLine(await front.Decode(model, response.Generated[0]));
            return 0;
        }

        var width = prompts[0].Length + response.Generated.Max(g => g.Length);
        var flat = new long[prompts.Length * width];
        for (var b = 0; b < prompts.Length; b++)
        {
            int[] all = [.. prompts[b], .. response.Generated[b]];
            for (var t = 0; t < width; t++)
            {
                flat[b * width + t] = t < all.Length ? all[t] : 0;
            }
        }

        SafeTensorsWriter.Write(output!, [TensorData.FromInt64("output_ids", [prompts.Length, width], flat)]);
        return 0;
    }
}
