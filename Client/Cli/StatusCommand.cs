using System.CommandLine;
using System.Text.Json;
using DistInfer.Grains;

namespace DistInfer.Cli;

/// <summary>`distinfer status`: silos, activations, and where each expert replica runs with its load.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var gateway = new GatewayOptions(required: true);
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var command = new Command("status", "show the cluster") { json };
        gateway.AddTo(command);
        command.SetAction((r, _) => CliRunner.RunAsync(async () =>
        {
            await using var client = await gateway.ConnectAsync(r);
            var status = await GatewayConnection.Front(client).Status();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, CliJsonContext.Default.ClusterStatus));
                return 0;
            }

            // Statuses such as "ShuttingDown" or a silo left out for its wire protocol are wider than "Active".
            var statusWidth = 8;
            foreach (var s in status.Silos)
            {
                statusWidth = Math.Max(statusWidth, s.Status.Length);
            }

            Console.WriteLine($"{"silo",-14} {"address",-40} {"gateway",-21} {"status".PadRight(statusWidth)} {"roles",-8} {"host mem free/total GB",22} {"process GB",10} {"activations",11} {"stages",6} {"experts",7}");
            foreach (var s in status.Silos)
            {
                Console.WriteLine($"{s.Name,-14} {s.Address,-40} {s.Gateway,-21} {s.Status.PadRight(statusWidth)} {string.Join(',', s.Roles),-8} {s.MemoryAvailableBytes / 1e9,12:F1}/{s.MemoryTotalBytes / 1e9,-9:F1} {s.ProcessMemoryBytes / 1e9,10:F2} {s.Activations,11} {s.StageActivations,6} {s.ExpertActivations,7}");
            }

            foreach (var st in status.Stages)
            {
                Console.WriteLine($"stage {st.Model}/{st.Replica}/{st.Stage} on {st.Silo}: {st.Steps} steps, {st.LiveSequences} live sequences");
            }

            foreach (var e in status.Experts)
            {
                Console.WriteLine($"expert {e.Model} layer {e.Layer} expert {e.Expert} replica {e.Replica}: {e.Silo}, {e.Tokens} tokens, {e.Outstanding} outstanding");
            }

            foreach (var d in status.Deployments)
            {
                var shipped = d.BytesToFetch > 0 ? $", {d.BytesFetched / 1e6:F1}/{d.BytesToFetch / 1e6:F1} MB shipped" : "";
                Console.WriteLine($"weights {d.Model}: {d.Fraction * 100:F0}% ({d.LoadedActivations}/{d.Activations.Count} activations, {d.BytesLoaded / 1e6:F1}/{d.BytesTotal / 1e6:F1} MB{shipped}){(d.Error is null ? "" : " failed: " + d.Error)}");
            }

            return 0;
        }));
        return command;
    }
}
