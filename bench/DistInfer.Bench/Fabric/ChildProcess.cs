using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DistInfer.Bench.Fabric;

/// <summary>A process the benchmark starts (redis-server, distinfer-silo): ready once it prints a given line; killed on dispose.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

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

    public static async Task<ChildProcess> StartAsync(string fileName, IEnumerable<string> args, string readyText, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Settings for the child processes only (the engine this process runs for comparison keeps its own).
        foreach (var pair in (Environment.GetEnvironmentVariable("DISTINFER_BENCH_CHILD_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (child._output)
            {
                child._output.AppendLine(line);
            }

            if (line.Contains(readyText, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new BenchUsageException($"{fileName} exited before it was ready:\n{child.Output}"));
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BenchUsageException($"cannot start {fileName}: {e.Message}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(timeout);
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }

        return child;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }
}
