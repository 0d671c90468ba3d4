using DistInfer.Runtime.Membership;

namespace DistInfer.Silo.Hosting;

/// <summary>What distinfer-silo prints once it is up: where to look, and a first request to try.</summary>
internal static class StartupBanner
{
    /// <param name="deployedModel">The model this silo deployed at start; null when it deployed none.</param>
    public static IReadOnlyList<string> Lines(SiloHostOptions options, SiloAddress silo, string? deployedModel)
    {
        var http = $"http://{(options.Host == "0.0.0.0" ? "127.0.0.1" : options.Host)}:{options.HttpPort}";
        var gateway = $"{silo.Host}:{options.GatewayPort ?? silo.Port}";
        var endpoints = options.GatewayPort is null ? $"silo and gateway {silo}" : $"silo {silo}, gateway {gateway}";
        List<string> lines =
        [
            $"distinfer-silo {options.Name} is up: cluster '{options.ClusterId}', {endpoints}",
            $"  OpenAI API  {http}/v1/models  (POST {http}/v1/completions, {http}/v1/chat/completions)",
            $"  dashboard   {http}/dashboard",
            $"  metrics     {http}/metrics",
        ];

        // A request naming a model this silo did not deploy would only answer 404: suggest deploying one instead.
        // With keys the request needs one; the key itself is not printed (logs are read by others than its holders).
        var auth = options.ApiKeys.Count > 0 ? " -H 'Authorization: Bearer <your --api-key>'" : "";
        lines.Add(deployedModel is { } model
            ? $"  try: curl {http}/v1/completions{auth} -H 'Content-Type: application/json' -d '{{\"model\":\"{model}\",\"prompt\":\"The license grants you\",\"max_tokens\":24}}'"
            : $"  no model deployed by this silo; deploy one: distinfer deploy --gateway {gateway} --cluster-id {options.ClusterId} --model DIR --name NAME");
        return lines;
    }
}
