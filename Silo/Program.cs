using System.Net.Sockets;
using DistInfer.Engine;
using DistInfer.Silo.Hosting;

namespace DistInfer.Silo;

internal static class Program
{
    private static int Main(string[] args) => SiloCommandLine.Create(options =>
    {
        try
        {
            SiloHost.Build(options).Run();

            // Non-zero when the start-up deployment failed and stopped the silo.
            return Environment.ExitCode;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            Console.Error.WriteLine($"distinfer-silo: {e.Message}: silo and gateway port {options.ListenPort} "
                + "is taken (another silo on this machine?); pass --silo-port (and --http-port) to choose others");
            return 1;
        }
        catch (Exception e) when (e is DistInferException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"distinfer-silo: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e.InnerException is { } inner && e is AggregateException or OperationCanceledException)
        {
            // Start-up failures (e.g. Redis unreachable) arrive wrapped by the host: one line, the cause.
            Console.Error.WriteLine($"distinfer-silo: {inner.Message}");
            return 1;
        }
    }).Parse(args).Invoke();
}
