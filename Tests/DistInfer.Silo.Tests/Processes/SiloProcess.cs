using System.Diagnostics;
using System.Text;
using DistInfer.Silo.Tests.Cluster;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>One `distinfer-silo` process with Redis clustering: started, read until it says it is up, killed (SIGKILL).</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];

    private SiloProcess(Process process, string name, int port, int gatewayPort)
    {
        _process = process;
        Name = name;
        Port = port;
        GatewayPort = gatewayPort;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public int Port { get; }

    /// <summary>The port clients use: apart from <see cref="Port"/>, as Orleans' silo and gateway ports are.</summary>
    public int GatewayPort { get; }

    /// <summary>HOST:PORT of its client gateway.</summary>
    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="modelCache">--model-cache, when given.</param>
    /// <param name="hiddenDirectory">
    /// A directory the process must not see, as on a machine without that storage: it runs in its own mount
    /// namespace with an empty tmpfs over the directory (needs unshare(1); root, or user namespaces).
    /// </param>
    public static async Task<SiloProcess> StartAsync(string redis, string clusterId, string name, string? modelCache = null, string? hiddenDirectory = null)
    {
        var port = FreePort.Next();
        var gatewayPort = FreePort.Next();
        string[] args = ["--name", name, "--cluster-id", clusterId, "--clustering", "redis", "--redis", redis,
            "--silo-port", Invariant(port), "--gateway-port", Invariant(gatewayPort), "--http-port", Invariant(FreePort.Next())];
        var info = DotnetTool.StartInfo("distinfer-silo.dll", modelCache is null ? args : [.. args, "--model-cache", modelCache]);
        if (hiddenDirectory is not null)
        {
            info = HidingDirectory(info, hiddenDirectory);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, name, port, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.Exited += (_, _) => silo._up.TrySetException(new InvalidOperationException($"{name} exited before it was up:\n{silo.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo._up.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            await silo.DisposeAsync();
            throw new TimeoutException($"{name} was not up after 90 s; its output:\n{silo.Output}");
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary>kill -9: no graceful leave, the cluster has to find out by itself.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends a signal (`kill -SIGNAL PID`), e.g. STOP to freeze the process as a long pause would, CONT to resume it.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Completes when the process has printed a line containing <paramref name="text"/> (or already had).</summary>
    public Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            _awaited.Add((text, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    /// <summary>The exit status, once the process has exited by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }

    /// <summary>The same command under `unshare --mount`, with a tmpfs mounted over <paramref name="directory"/> first.</summary>
    private static ProcessStartInfo HidingDirectory(ProcessStartInfo info, string directory)
    {
        var hidden = new ProcessStartInfo("unshare")
        {
            RedirectStandardOutput = info.RedirectStandardOutput,
            RedirectStandardError = info.RedirectStandardError,
            UseShellExecute = false,
            WorkingDirectory = info.WorkingDirectory,
        };
        List<string> args = ["--mount", "--propagation", "private"];
        if (!Environment.IsPrivilegedProcess)
        {
            args.Add("--map-root-user");
        }

        // sh gets the directory as $0 and the silo's command line as "$@", so nothing is quoted into the script.
        args.AddRange(["--", "sh", "-c", "mount -t tmpfs distinfer-hidden \"$0\" && exec \"$@\"", directory, info.FileName]);
        args.AddRange(info.ArgumentList);
        foreach (var arg in args)
        {
            hidden.ArgumentList.Add(arg);
        }

        return hidden;
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (text, seen) in _awaited.Where(a => line.Contains(a.Text, StringComparison.Ordinal)))
            {
                seen.TrySetResult();
            }
        }

        if (line.StartsWith($"distinfer-silo {Name} is up", StringComparison.Ordinal))
        {
            _up.TrySetResult();
        }
    }
}
