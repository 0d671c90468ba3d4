using System.CommandLine;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Model;

namespace DistInfer.Cli;

/// <summary>`distinfer forward`: one full forward; writes logits [B,T,V] and router_logits.i [B*T,E].</summary>
internal static class ForwardCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model directory (config.json + safetensors)", Required = true };
        var input = new Option<string>("--input") { Description = "safetensors file with input_ids [B,T] (I64 or I32)", Required = true };
        var output = new Option<string>("--output") { Description = "safetensors file to write", Required = true };
        var command = new Command("forward", "run one forward pass and write logits and router logits") { model, input, output };
        command.SetAction(r => CliRunner.Run(() => Run(r.GetValue(model)!, r.GetValue(input)!, r.GetValue(output)!)));
        return command;
    }

    private static int Run(string modelDir, string inputPath, string outputPath)
    {
        var (ids, masked) = ModelLoading.ReadInputIds(inputPath);
        var model = ModelLoading.Load(modelDir);
        var config = model.Config;
        int batch = ids.Length, length = ids[0].Length;
        var caches = new SequenceKvCache[batch];
        var counts = new int[batch];
        for (var b = 0; b < batch; b++)
        {
            caches[b] = model.CreateCache(length);
            counts[b] = length;
        }

        var router = new float[config.MoeLayers.Count(m => m)][];
        var layout = new BatchLayout(caches, counts, masked?.SelectMany(m => m).ToArray());
        var logits = model.Forward(layout, ids.SelectMany(x => x).ToArray(), allPositions: true,
            (_, ordinal, l, _) => router[ordinal] = l.ToArray());

        var tensors = new List<TensorData> { TensorData.FromFloat32("logits", [batch, length, config.VocabSize], logits) };
        for (var i = 0; i < router.Length; i++)
        {
            tensors.Add(TensorData.FromFloat32($"router_logits.{i}", [batch * length, config.NumExperts], router[i]));
        }

        SafeTensorsWriter.Write(outputPath, tensors);
        return 0;
    }
}
