using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>
/// Runs a private redis-server on a free loopback port for a test class. <see cref="Restart"/> keeps the port
/// (and, with <see cref="AppendOnly"/>, the data) so tests can take Redis away under a running client.
/// </summary>
public class RedisServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "distinfer-redis-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>Whether the server persists to an append-only file (survives <see cref="Restart"/>).</summary>
    public virtual bool AppendOnly => false;

    /// <summary>StackExchange.Redis configuration string of the server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_directory);
        Port = FreePort();
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    /// <summary>Starts redis-server on <see cref="Port"/> and waits for "Ready to accept connections".</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", AppendOnly ? "yes" : "no", "--dir", _directory,
        })
        {
            info.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server exited: {log}"));
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException("redis-server did not start");
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server not found on PATH; install it: apt-get install -y redis-server", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(StartTimeout);
    }

    /// <summary>Freezes the server (SIGSTOP): its socket stays open and clients stay "connected", but nothing answers.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Thaws a paused server (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        var pid = _process?.Id ?? throw new InvalidOperationException("redis-server is not running");
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(StartTimeout);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Stops the server: SHUTDOWN (flushes the append-only file) or, when <paramref name="kill"/>, SIGKILL.</summary>
    public async Task StopAsync(bool kill = false)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            if (kill || !TrySendShutdown())
            {
                process.Kill();
            }

            await process.WaitForExitAsync().WaitAsync(StartTimeout);
        }

        process.Dispose();
    }

    /// <summary>Stops and starts the server on the same port.</summary>
    public async Task RestartAsync(bool kill = false)
    {
        await StopAsync(kill);
        await StartAsync();
    }

    private bool TrySendShutdown()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            client.GetStream().Write("*1\r\n$8\r\nSHUTDOWN\r\n"u8);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
