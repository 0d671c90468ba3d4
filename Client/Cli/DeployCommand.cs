using System.CommandLine;
using System.Diagnostics;
using DistInfer.Grains;

namespace DistInfer.Cli;

/// <summary>
/// `distinfer deploy`: deploys a checkpoint to the cluster, showing weight loading and shipping; returns when every
/// activation has its weights. A deployed name takes its own checkpoint again only (the registry refuses another).
/// </summary>
internal static class DeployCommand
{
    public static Command Create()
    {
        var gateway = new GatewayOptions(required: true);
        var model = new Option<string>("--model") { Description = "model directory (as the silos see it)", Required = true };
        var name = new Option<string>("--name") { Description = "name to serve it under (a deployed name keeps its checkpoint)", Required = true };
        var stages = new Option<int>("--stages") { DefaultValueFactory = _ => 1 };
        var replicas = new Option<int>("--replicas") { DefaultValueFactory = _ => 1 };
        var expertReplicas = new Option<int>("--expert-replicas") { DefaultValueFactory = _ => 1 };
        var capacityFactor = new Option<double>("--capacity-factor") { Description = "Switch capacity factor of the MoE layers (0: dropless, the default)" };
        var command = new Command("deploy", "deploy a model to a cluster") { model, name, stages, replicas, expertReplicas, capacityFactor };
        gateway.AddTo(command);
        command.SetAction((r, _) => CliRunner.RunAsync(async () =>
        {
            await using var client = await gateway.ConnectAsync(r);
            var clock = Stopwatch.StartNew();
            Console.Error.WriteLine($"deploying {r.GetValue(name)} ...");
            var deploy = GatewayConnection.Front(client).Deploy(r.GetValue(name)!, new DeploymentRequest
            {
                ModelPath = Path.GetFullPath(r.GetValue(model)!),
                Stages = r.GetValue(stages),
                Replicas = r.GetValue(replicas),
                ExpertReplicas = r.GetValue(expertReplicas),
                CapacityFactor = r.GetValue(capacityFactor),
            });
            var registry = client.GetGrain<IModelRegistryGrain>(r.GetValue(name)!);
            var info = await DeployProgressView.TrackAsync(deploy, registry.Progress);
            Console.WriteLine($"deployed {info.Name}: {info.Stages} stage(s) x {info.Replicas} replica(s), layers split at [{string.Join(", ", info.Boundaries)}], " +
                $"{info.MoeLayers.Count} MoE layers x {info.NumExperts} experts x {info.ExpertReplicas} replica(s), in {clock.Elapsed.TotalSeconds:F1} s");
            return 0;
        }));
        return command;
    }
}
