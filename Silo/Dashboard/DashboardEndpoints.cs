using System.Collections.Concurrent;
using System.Text.Json;
using DistInfer.Silo.Metrics;
using Microsoft.AspNetCore.Http;

namespace DistInfer.Silo.Dashboard;

/// <summary>/dashboard (page, script, style from embedded resources) and /api/cluster (computed per request).</summary>
internal sealed class DashboardEndpoints(IClusterView cluster, RequestMetrics metrics)
{
    private static readonly ConcurrentDictionary<string, byte[]> Assets = new(StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dashboard.html"] = "text/html; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
    };

    public async Task ClusterAsync(HttpContext context)
    {
        var snapshot = await cluster.GetSnapshotAsync(context.RequestAborted).ConfigureAwait(false);
        var body = new ClusterApiResponse { Cluster = snapshot, Requests = metrics.Stats() };
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, DashboardJsonContext.Default.ClusterApiResponse, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task AssetAsync(HttpContext context, string name)
    {
        var bytes = Assets.GetOrAdd(name, Load);
        context.Response.ContentType = ContentTypes[name];
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("DistInfer.Silo.Dashboard." + name)
            ?? throw new InvalidOperationException($"embedded dashboard asset '{name}' is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
