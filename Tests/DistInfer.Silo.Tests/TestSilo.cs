using DistInfer.Silo.Http;
using DistInfer.Silo.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (a free port) serving the fixture's models through the HTTP API.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestSilo(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public Uri BaseAddress => Client.BaseAddress!;

    public static WebApplication Build(IInferenceService service, Action<HttpApiOptions>? configure = null, string url = "http://127.0.0.1:0", Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(service);
        services?.Invoke(builder.Services);
        builder.Services.AddDistInferHttp(configure);
        var app = builder.Build();
        app.MapDistInferHttp();
        return app;
    }

    public static async Task<TestSilo> StartAsync(IInferenceService service, Action<HttpApiOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var app = Build(service, configure, services: services);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(2) };
        return new TestSilo(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
