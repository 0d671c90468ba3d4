using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Hosting.Clustering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistInfer.TestSiloHost;

/// <summary>
/// A silo in its own process for the multi-process tests: Redis clustering, the process test grains. Prints
/// "address {silo}" and "ready" on stdout once joined; on a start failure prints one line "error: ..." on stderr
/// and exits 2; exits 3 when the cluster declared it dead.
/// Usage: DistInfer.TestSiloHost --redis host:port --cluster id [--name name] [--probe-timeout-ms n].
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string? redis = null;
        var cluster = "test";
        var name = "silo-" + Environment.ProcessId;
        var probeTimeout = TimeSpan.FromSeconds(2);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--redis": redis = args[i + 1]; break;
                case "--cluster": cluster = args[i + 1]; break;
                case "--name": name = args[i + 1]; break;
                case "--probe-timeout-ms": probeTimeout = TimeSpan.FromMilliseconds(int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture)); break;
                default:
                    await Console.Error.WriteLineAsync($"error: unknown option {args[i]}");
                    return 1;
            }
        }

        if (redis is null)
        {
            await Console.Error.WriteLineAsync("error: --redis host:port is required");
            return 1;
        }

        var declaredDead = false;
        using var host = new HostBuilder()
            .UseDistInferSilo(
                o =>
                {
                    o.Name = name;
                    o.ClusterId = cluster;
                    o.Metadata["process.id"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                },
                services => services.AddDistInferClustering(c =>
                {
                    c.Clustering = ClusteringMode.Redis;
                    c.RedisConnectionString = redis;
                    c.Membership.ProbeTimeout = probeTimeout;
                }))
            .Build();
        try
        {
            await host.StartAsync();
        }
        catch (Exception ex)
        {
            var root = ex is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : ex;
            await Console.Error.WriteLineAsync("error: " + root.Message.ReplaceLineEndings(" "));
            return 2;
        }

        var silo = host.Services.GetRequiredService<Silo>();
        host.Services.GetRequiredService<DistInfer.Runtime.Cluster.MembershipProtocolService>().DeclaredDead += _ => declaredDead = true;
        Console.WriteLine($"address {silo.Address}");
        Console.WriteLine("ready");
        await host.WaitForShutdownAsync();
        return declaredDead ? 3 : 0;
    }
}
