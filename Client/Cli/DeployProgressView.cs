using System.Globalization;
using DistInfer.Grains;
using Spectre.Console;

namespace DistInfer.Cli;

/// <summary>
/// Shows a deployment's weight loading while it runs, on stderr: Spectre.Console progress bars (all activations,
/// then one bar per silo, with bytes shipped) on a terminal, plain lines at every 10% otherwise.
/// </summary>
internal static class DeployProgressView
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<DeploymentInfo> TrackAsync(Task<DeploymentInfo> deploy, Func<Task<DeploymentProgress>> poll)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Ansi)
        {
            await PlainAsync(deploy, poll).ConfigureAwait(false);
            return await deploy.ConfigureAwait(false);
        }

        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                while (true)
                {
                    var done = deploy.IsCompleted;
                    if (await TryPollAsync(deploy, poll).ConfigureAwait(false) is { } progress)
                    {
                        foreach (var (key, label, value) in Rows(progress))
                        {
                            if (!bars.TryGetValue(key, out var bar))
                            {
                                bars[key] = bar = context.AddTask(Markup.Escape(label), maxValue: 100);
                            }

                            bar.Description = Markup.Escape(label);
                            bar.Value = deploy.IsCompletedSuccessfully ? 100 : value;
                        }
                    }

                    if (done)
                    {
                        return;
                    }

                    await Task.WhenAny(deploy, Task.Delay(PollInterval)).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        return await deploy.ConfigureAwait(false);
    }

    private static async Task PlainAsync(Task<DeploymentInfo> deploy, Func<Task<DeploymentProgress>> poll)
    {
        var printed = -1;
        while (true)
        {
            var done = deploy.IsCompleted;
            if (await TryPollAsync(deploy, poll).ConfigureAwait(false) is { } progress)
            {
                var percent = deploy.IsCompletedSuccessfully ? 100 : (int)(progress.Fraction * 100);
                if (percent / 10 > printed / 10 || (percent == 100 && printed != 100))
                {
                    printed = percent;
                    await Console.Error.WriteLineAsync($"weights: {percent}%, {Summary(progress)}").ConfigureAwait(false);
                }
            }

            if (done)
            {
                return;
            }

            await Task.WhenAny(deploy, Task.Delay(PollInterval)).ConfigureAwait(false);
        }
    }

    /// <summary>One row for all activations, then one per silo.</summary>
    private static IEnumerable<(string Key, string Label, double Value)> Rows(DeploymentProgress progress)
    {
        yield return ("", $"{"all",-21} {Short(progress)}", progress.Fraction * 100);
        // Activations that have not reported yet count in "all" only: a silo row never loses members.
        foreach (var silo in progress.Activations.Where(a => a.Silo.Length > 0).GroupBy(a => a.Silo).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var part = progress with { Activations = [.. silo] };
            var at = silo.Key.IndexOf('@', StringComparison.Ordinal);
            yield return (silo.Key, $"{(at > 0 ? silo.Key[..at] : silo.Key),-21} {Short(part)}", part.Fraction * 100);
        }
    }

    /// <summary>Fits a bar row in 80 columns: activations loaded, MB loaded, MB shipped when shipping.</summary>
    private static string Short(DeploymentProgress p)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{p.LoadedActivations,3}/{p.Activations.Count,-3} {Megabytes(p.BytesLoaded)}/{Megabytes(p.BytesTotal)} MB");
        return p.BytesToFetch > 0 ? string.Create(CultureInfo.InvariantCulture, $"{text} shipped {Megabytes(p.BytesFetched)}/{Megabytes(p.BytesToFetch)}") : text;
    }

    private static string Summary(DeploymentProgress p)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{p.LoadedActivations}/{p.Activations.Count} activations, {Megabytes(p.BytesLoaded)}/{Megabytes(p.BytesTotal)} MB loaded");
        return p.BytesToFetch > 0 ? string.Create(CultureInfo.InvariantCulture, $"{text}, {Megabytes(p.BytesFetched)}/{Megabytes(p.BytesToFetch)} MB shipped") : text;
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture);

    private static async Task<DeploymentProgress?> TryPollAsync(Task<DeploymentInfo> deploy, Func<Task<DeploymentProgress>> poll)
    {
        try
        {
            // Complete while this deployment has not succeeded: the previous deployment's progress (this one is queued
            // behind it, or was refused), not this one's.
            var progress = await poll().ConfigureAwait(false);
            return progress.Complete && !deploy.IsCompletedSuccessfully ? null : progress;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Progress is best effort; the deployment's own result reports failures.
            return null;
        }
    }
}
