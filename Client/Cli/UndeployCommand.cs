using System.CommandLine;
using DistInfer.Engine;

namespace DistInfer.Cli;

/// <summary>
/// `distinfer undeploy`: stops serving a model on every silo and frees its stages' and experts' memory, after giving
/// running requests the drain time to finish; the name is free afterwards, for any checkpoint.
/// </summary>
internal static class UndeployCommand
{
    public static Command Create()
    {
        var gateway = new GatewayOptions(required: true);
        var name = new Option<string>("--name") { Description = "name the model is served under", Required = true };
        var drain = new Option<double>("--drain-seconds")
        {
            Description = "how long running requests may take to finish before they are ended (default 30)",
            DefaultValueFactory = _ => 30,
        };
        var command = new Command("undeploy", "stop serving a model and free its memory") { name, drain };
        gateway.AddTo(command);
        command.SetAction((r, _) => CliRunner.RunAsync(async () =>
        {
            var seconds = r.GetValue(drain);
            if (!(seconds >= 0 && seconds <= int.MaxValue / 1000))
            {
                throw new DistInferException($"--drain-seconds must be between 0 and {int.MaxValue / 1000} (got {seconds})");
            }

            await using var client = await gateway.ConnectAsync(r);
            var result = await GatewayConnection.Front(client).Undeploy(r.GetValue(name)!, (int)(seconds * 1000));
            Console.WriteLine($"undeployed {result.Name}: {result.Stages} stage(s) and {result.Experts} expert replica(s) released, " +
                $"{result.Cancelled} running request(s) ended after the drain");
            foreach (var silo in result.Unreached)
            {
                Console.Error.WriteLine($"warning: silo {silo} could not be told (unreachable); its requests for {result.Name} fail from now on");
            }

            return 0;
        }));
        return command;
    }
}
