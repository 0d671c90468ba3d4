using System.CommandLine;
using System.Text.Json;
using DistInfer.Engine;

namespace DistInfer.Cli;

/// <summary>
/// `distinfer bench --gateway`: N streamed generations with C in flight through a silo's gateway (the path of
/// `distinfer generate --gateway`, tokens read as they are produced); prints throughput and latency percentiles.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var gateway = new GatewayOptions(required: true);
        var model = new Option<string>("--model") { Description = "the deployed model's name", DefaultValueFactory = _ => "demo-moe" };
        var concurrency = new Option<int>("--concurrency") { Description = "requests in flight at once", DefaultValueFactory = _ => 1 };
        var requests = new Option<int>("--requests") { Description = "requests in all", DefaultValueFactory = _ => 16 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "prompt length in tokens", DefaultValueFactory = _ => 32 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "tokens generated per request (EOS ignored)", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var command = new Command("bench", "measure throughput and latency of streamed generation through a gateway")
        {
            model, concurrency, requests, promptTokens, maxNewTokens, json,
        };
        gateway.AddTo(command);
        command.SetAction((r, _) => CliRunner.RunAsync(async () =>
        {
            var settings = new BenchSettings(
                r.GetValue(gateway.Gateway)!,
                r.GetValue(model)!,
                Positive(r.GetValue(concurrency), "--concurrency"),
                Positive(r.GetValue(requests), "--requests"),
                Positive(r.GetValue(promptTokens), "--prompt-tokens"),
                Positive(r.GetValue(maxNewTokens), "--max-new-tokens"));
            await using var client = await gateway.ConnectAsync(r);
            var report = await BenchRunner.RunAsync(GatewayConnection.Front(client), settings);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport));
            }
            else
            {
                BenchReportPrinter.Print(report, Console.Out);
            }

            return report.Failed == 0 ? 0 : 2;
        }));
        return command;
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new DistInferException($"{option} must be at least 1 (got {value})");
}
