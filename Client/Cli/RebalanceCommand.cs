using System.CommandLine;
using System.Text.Json;
using DistInfer.Grains;
using DistInfer.Runtime.Messaging;

namespace DistInfer.Cli;

/// <summary>`distinfer rebalance`: rebalances a model's expert replicas from the load since the last rebalance.</summary>
internal static class RebalanceCommand
{
    public static Command Create()
    {
        var gateway = new GatewayOptions(required: true);
        var model = new Option<string>("--model") { Description = "name the model is served under", Required = true };
        var slots = new Option<int>("--slots") { Description = "expert replicas per MoE layer at most (0: keep the current count)" };
        var maxReplicas = new Option<int>("--max-replicas") { Description = "replicas of one expert at most (0: the number of silos)" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var command = new Command("rebalance", "replicate hot experts and move expert replicas by load") { model, slots, maxReplicas, json };
        gateway.AddTo(command);
        command.SetAction((r, _) => CliRunner.RunAsync(async () =>
        {
            await using var client = await gateway.ConnectAsync(r);
            RebalanceResult result;
            try
            {
                result = await client.GetGrain<IExpertBalancerGrain>(r.GetValue(model)!).Rebalance(new RebalanceRequest
                {
                    SlotsPerLayer = r.GetValue(slots),
                    MaxReplicasPerExpert = r.GetValue(maxReplicas),
                });
            }
            catch (SiloUnavailableException e)
            {
                throw await RebalanceInterruption.DescribeAsync(client, r.GetValue(gateway.Gateway)!, r.GetValue(model)!, e);
            }
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.RebalanceResult));
                return 0;
            }

            Console.WriteLine(result.Changed
                ? $"replica set {result.ReplicaSetVersion}: {result.Added} added, {result.Removed} removed, {result.Replicas.Count} replicas; balancedness {result.BalancednessBefore:F2} -> {result.ExpectedBalancedness:F2} expected"
                : $"unchanged (replica set {result.ReplicaSetVersion}, balancedness {result.BalancednessBefore:F2})");
            return 0;
        }));
        return command;
    }
}
