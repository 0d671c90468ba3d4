using System.CommandLine;
using System.Runtime.ExceptionServices;
using DistInfer.Client;
using DistInfer.Engine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;

namespace DistInfer.Cli;

/// <summary>
/// `distinfer generate --gateway`: the same file and prompt contract as in-process, served by the cluster. Tokens are
/// streamed (a prompt's text is printed as it comes), and Ctrl+C stops the sequences on the silo as well.
/// </summary>
internal static class GatewayGenerate
{
    public static async Task<int> RunAsync(ParseResult r, GatewayOptions gateway, string model, string? input, string? output, string? prompt,
        SamplingParams parameters, CancellationToken cancellationToken)
    {
        var files = input is not null && output is not null && prompt is null;
        var text = prompt is not null && input is null && output is null;
        if (!files && !text)
        {
            throw new DistInferException("give either --input and --output, or --prompt");
        }

        await using var client = await gateway.ConnectAsync(r);
        var sdk = new DistInferClient(client);
        var options = new GenerationOptions
        {
            MaxNewTokens = parameters.MaxNewTokens,
            MinNewTokens = parameters.MinNewTokens,
            Temperature = parameters.Temperature,
            TopK = parameters.TopK,
            TopP = parameters.TopP,
            MinP = parameters.MinP,
            RepetitionPenalty = parameters.RepetitionPenalty,
            Seed = parameters.Seed is { } seed ? (long)seed : null,
        };
        if (text)
        {
            await foreach (var chunk in sdk.GenerateAsync(model, prompt!, options, cancellationToken))
            {
                await Console.Out.WriteAsync(chunk.Text);
            }

            await Console.Out.WriteLineAsync();
            return 0;
        }

        var (prompts, masked) = ModelLoading.ReadInputIds(input!);
        if (masked is not null)
        {
            throw new DistInferException($"{input}: attention_mask is not supported by generate");
        }

        var generated = await GenerateAllAsync(sdk, model, prompts, options, cancellationToken);
        var width = prompts[0].Length + generated.Max(g => g.Length);
        var flat = new long[prompts.Length * width];
        for (var b = 0; b < prompts.Length; b++)
        {
            int[] all = [.. prompts[b], .. generated[b]];
            for (var t = 0; t < width; t++)
            {
                flat[b * width + t] = t < all.Length ? all[t] : 0;
            }
        }

        SafeTensorsWriter.Write(output!, [TensorData.FromInt64("output_ids", [prompts.Length, width], flat)]);
        return 0;
    }

    /// <summary>Every prompt as its own stream, all at once (the silo batches them); one failure stops the others.</summary>
    private static async Task<int[][]> GenerateAllAsync(DistInferClient sdk, string model, int[][] prompts, GenerationOptions options, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = new Task<int[]>[prompts.Length];
        for (var b = 0; b < prompts.Length; b++)
        {
            runs[b] = CollectAsync(sdk, model, prompts[b], options, stop);
        }

        try
        {
            return await Task.WhenAll(runs);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && SiblingFailures.First(runs) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }

    private static async Task<int[]> CollectAsync(DistInferClient sdk, string model, int[] prompt, GenerationOptions options, CancellationTokenSource stop)
    {
        var tokens = new List<int>();
        try
        {
            await foreach (var chunk in sdk.GenerateAsync(model, prompt, options, stop.Token))
            {
                tokens.AddRange(chunk.Tokens);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stop.CancelAsync();
            throw;
        }

        return [.. tokens];
    }
}
