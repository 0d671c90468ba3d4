using System.Net.Sockets;
using DistInfer.Engine;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Membership;
using DistInfer.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DistInfer.Silo;

internal static class Program
{
    private static int Main(string[] args) => SiloCommandLine.Create(options =>
    {
        try
        {
            var app = SiloHost.Build(options);

            // A silo voted out stops its host (MembershipLifetimeService); a zero status would keep systemd from restarting it.
            var declaredDead = false;
            if (app.Services.GetService<MembershipProtocolService>() is { } membership)
            {
                membership.DeclaredDead += _ => declaredDead = true;
            }

            app.Run();

            // Non-zero when the start-up deployment failed and stopped the silo.
            return declaredDead ? SiloExitCodes.DeclaredDead : Environment.ExitCode;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            var ports = options.GatewayPort is { } gateway ? $"silo port {options.SiloPort} or gateway port {gateway}" : $"silo and gateway port {options.SiloPort}";
            Console.Error.WriteLine($"distinfer-silo: {e.Message}: {ports} "
                + "is taken (another silo on this machine?); pass --silo-port (--gateway-port, --http-port) to choose others");
            return SiloExitCodes.StartFailed;
        }
        catch (Exception e) when (e is DistInferException or IOException or InvalidOperationException or MembershipTableUnavailableException)
        {
            Console.Error.WriteLine($"distinfer-silo: {e.Message}");
            return SiloExitCodes.StartFailed;
        }
        catch (Exception e) when (e.InnerException is { } inner && e is AggregateException or OperationCanceledException)
        {
            // Start-up failures arrive wrapped by the host: one line, the cause.
            Console.Error.WriteLine($"distinfer-silo: {inner.Message}");
            return SiloExitCodes.StartFailed;
        }
    }).Parse(args).Invoke();
}
