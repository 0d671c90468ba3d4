using System.Diagnostics;
using System.Text;
using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.Processes;

/// <summary>One DistInfer.TestSiloHost process: started, read until "ready", killed (SIGKILL) or disposed.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<SiloAddress> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SiloAddress? _address;

    private SiloProcess(Process process) => _process = process;

    public SiloAddress Address => _ready.Task.Result;

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr), for failure messages.</summary>
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

    public static SiloProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SiloHostPaths.DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data, stdout: false);
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"silo host exited before ready: {silo.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Starts a silo of <paramref name="clusterId"/> on <paramref name="redis"/> and waits for "ready".</summary>
    public static async Task<SiloProcess> StartReadyAsync(string redis, string clusterId, string name)
    {
        var silo = Start("--redis", redis, "--cluster", clusterId, "--name", name);
        try
        {
            await silo.WhenReadyAsync();
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    public Task<SiloAddress> WhenReadyAsync() => _ready.Task.WaitAsync(StartTimeout);

    /// <summary>kill -9: no graceful shutdown, the cluster has to notice by itself.</summary>
    public void Kill() => _process.Kill();

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

    private void OnLine(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (stdout && line.StartsWith("address ", StringComparison.Ordinal))
        {
            _address = SiloAddress.Parse(line["address ".Length..]);
        }
        else if (stdout && line == "ready" && _address is { } address)
        {
            _ready.TrySetResult(address);
        }
    }
}
