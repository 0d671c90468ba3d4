using DistInfer.Grains;
using DistInfer.Grains.Fabric;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistInfer.Silo.Hosting;

/// <summary>Deploys the model named on the command line once the silo is up, then says where to look.</summary>
internal sealed partial class StartupDeployment(
    SiloHostOptions options, FabricFront front, FabricInferenceService api, Runtime.Hosting.Silo silo, IHostApplicationLifetime lifetime, ILogger<StartupDeployment> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start in registration order: SiloRunner (registered first) has started the silo.
        string? deployed = null;
        if (options.Model is { } model)
        {
            LogDeploying(logger, options.ModelName, model);
            try
            {
                var info = await front.DeployAsync(options.ModelName, new DeploymentRequest { ModelPath = model, Stages = options.Stages }).ConfigureAwait(false);
                await api.RegisterAsync(info).ConfigureAwait(false);
                LogDeployed(logger, info.Name, info.Stages, info.NumLayers, info.NumExperts);
                deployed = info.Name;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A silo asked to serve a model it cannot deploy stops, with a status scripts and systemd see.
                Console.Error.WriteLine($"distinfer-silo: cannot deploy {options.ModelName} from {model}: {e.Message}");
                Environment.ExitCode = SiloExitCodes.StartFailed;
                lifetime.StopApplication();
                return;
            }
        }

        foreach (var line in StartupBanner.Lines(options, silo.Address, deployed))
        {
            Console.WriteLine(line);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deploying {Name} from {Path}")]
    private static partial void LogDeploying(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "deployed {Name}: {Stages} stage(s), {Layers} layers, {Experts} experts per MoE layer")]
    private static partial void LogDeployed(ILogger logger, string name, int stages, int layers, int experts);
}
