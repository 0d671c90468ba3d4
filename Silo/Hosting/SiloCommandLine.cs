using System.Globalization;
using System.CommandLine;
using System.CommandLine.Parsing;

namespace DistInfer.Silo.Hosting;

/// <summary>Parses distinfer-silo's options; with no arguments: one silo, localhost clustering, the demo model, HTTP on 8080.</summary>
internal static class SiloCommandLine
{
    public static RootCommand Create(Func<SiloHostOptions, int> run)
    {
        var name = new Option<string?>("--name") { Description = "silo name" };
        var clusterId = new Option<string>("--cluster-id") { DefaultValueFactory = _ => "dev" };
        var clustering = new Option<string>("--clustering") { Description = "localhost|redis", DefaultValueFactory = _ => "localhost" };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of the Redis membership table" };
        var host = new Option<string>("--host") { Description = "address to listen on and advertise (a host name is resolved to one)", DefaultValueFactory = _ => "127.0.0.1" };
        var siloPort = new Option<int>("--silo-port") { Description = "port for silo-to-silo traffic (clients may use it too)", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "port for clients (distinfer --gateway, the .NET client); default: the silo port (given alone, it sets both)" };
        var httpPort = new Option<int>("--http-port") { DefaultValueFactory = _ => 8080 };
        var role = new Option<string?>("--role") { Description = "gpu|cpu" };
        var modelCache = new Option<string?>("--model-cache") { Description = "where weights shipped from other silos are cached (default: ~/.cache/distinfer/models); must be writable, else the silo does not start" };
        var modelCacheGib = new Option<double?>("--model-cache-max-gib") { Description = "evict models no activation uses, least recently used first, when the model cache grows past this many GiB (default: no limit)" };
        var stageSequences = new Option<int?>("--stage-max-sequences")
        {
            Description = "most sequences whose KV caches a CPU stage on this silo holds at once; more wait in their gateway's queue (default: no limit; GPU stages: DISTINFER_CUDA_STAGE_SEQUENCES, 64)",
        };
        var model = new Option<string?>("--model") { Description = "model directory to deploy at start" };
        var modelName = new Option<string>("--model-name") { DefaultValueFactory = _ => "demo-moe" };
        var stages = new Option<int>("--stages") { DefaultValueFactory = _ => 1 };
        var device = new Option<string?>("--device") { Description = "auto|cpu|cuda: where stage and expert grains compute (default: DISTINFER_DEVICE, else auto: a GPU when CUDA has one)" };
        var apiKey = new Option<string[]>("--api-key") { Description = "accepted API key (repeat for several); required beyond loopback", AllowMultipleArgumentsPerToken = true };
        var corsOrigin = new Option<string[]>("--cors-origin")
        {
            Description = "browser origin the HTTP API answers CORS requests from (repeat for several; default any, *; none: CORS off)",
            AllowMultipleArgumentsPerToken = true,
        };
        var rebalanceOnJoin = new Option<bool>("--rebalance-on-join")
        {
            Description = "spread deployed models' experts onto silos that join (true|false)",
            DefaultValueFactory = _ => true,
        };
        host.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && Runtime.Hosting.HostAddress.TryResolve(r.Tokens[^1].Value) is null)
            {
                r.AddError($"--host {r.Tokens[^1].Value} is not an IP address and does not resolve to one");
            }
        });
        role.AcceptOnlyFromAmong("gpu", "cpu");
        clustering.AcceptOnlyFromAmong("localhost", "redis");
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        foreach (var port in new Option[] { siloPort, gatewayPort, httpPort })
        {
            port.Validators.Add(r =>
            {
                if (r.Tokens.Count > 0 && (!int.TryParse(r.Tokens[^1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 65535))
                {
                    r.AddError($"{r.Option.Name} must be a TCP port from 1 to 65535 (got {r.Tokens[^1].Value})");
                }
            });
        }

        corsOrigin.Validators.Add(r =>
        {
            if (r.Tokens.Count > 1 && r.Tokens.Any(t => string.Equals(t.Value, "none", StringComparison.OrdinalIgnoreCase)))
            {
                r.AddError($"--cors-origin none turns CORS off; it cannot be given with origins ({string.Join(", ", r.Tokens.Select(t => t.Value))})");
            }
        });

        modelCacheGib.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && double.TryParse(r.Tokens[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var gib) && !(gib * (1L << 30) >= 1 && gib < 1L << 33))
            {
                r.AddError($"--model-cache-max-gib must be a positive number of GiB (got {r.Tokens[^1].Value})");
            }
        });

        stageSequences.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && int.TryParse(r.Tokens[^1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value < 1)
            {
                r.AddError($"--stage-max-sequences must be at least 1 (got {value})");
            }
        });

        stages.Validators.Add(r =>
        {
            // Validators also run when the value does not parse; the parser reports that one itself.
            if (r.Tokens.Count > 0 && int.TryParse(r.Tokens[^1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value < 1)
            {
                r.AddError($"--stages must be at least 1 (got {value})");
            }
        });
        var root = new RootCommand("distinfer-silo: a DistInfer silo (grain runtime, inference fabric, OpenAI-compatible HTTP API, dashboard)")
        {
            name, clusterId, clustering, redis, host, siloPort, gatewayPort, httpPort, role, modelCache, modelCacheGib, stageSequences, model, modelName, stages, apiKey, corsOrigin, rebalanceOnJoin, device,
        };

        root.SetAction(r =>
        {
            // Orleans' pair: silo-to-silo on one port, clients on another. A gateway port given alone sets both (one
            // listener), as a lone port always has here.
            var gateway = r.GetValue(gatewayPort);
            var silo = LastPort(r.GetResult(siloPort)) is null && gateway is { } only ? only : r.GetValue(siloPort);
            var options = new SiloHostOptions
            {
                ClusterId = r.GetValue(clusterId)!,
                Clustering = r.GetValue(clustering)!,
                Redis = r.GetValue(redis),
                Host = Runtime.Hosting.HostAddress.TryResolve(r.GetValue(host)!)!,
                SiloPort = silo,
                GatewayPort = gateway != silo ? gateway : null,
                HttpPort = r.GetValue(httpPort),
                Role = r.GetValue(role),
                ModelCache = r.GetValue(modelCache),
                ModelCacheMaxBytes = r.GetValue(modelCacheGib) is { } gib ? (long)(gib * (1L << 30)) : 0,
                StageMaxSequences = r.GetValue(stageSequences) ?? 0,
                Model = r.GetValue(model),
                ModelName = r.GetValue(modelName)!,
                Stages = r.GetValue(stages),
                RebalanceOnJoin = r.GetValue(rebalanceOnJoin),
                Device = r.GetValue(device),
            };
            if (r.GetValue(name) is { } n)
            {
                options.Name = n;
            }

            foreach (var key in r.GetValue(apiKey) ?? [])
            {
                options.ApiKeys.Add(key);
            }

            if (r.GetValue(corsOrigin) is { Length: > 0 } origins)
            {
                options.CorsOrigins = origins.Contains("none", StringComparer.OrdinalIgnoreCase) ? [] : [.. origins];
            }

            // A one-silo localhost cluster (and so a run with no arguments) serves the bundled demo model.
            if (options.Model is null && options.Clustering == "localhost")
            {
                options.Model = DemoModelLocator.Find();
            }

            return run(options);
        });
        return root;
    }

    /// <summary>The port given on the command line (not the default), when it parses.</summary>
    private static int? LastPort(OptionResult? result) =>
        result is { Implicit: false, Tokens.Count: > 0 } && int.TryParse(result.Tokens[^1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
}
