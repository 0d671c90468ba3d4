using System.CommandLine;

namespace DistInfer.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("distinfer: run and serve Hugging Face MoE models with DistInfer");
        root.Subcommands.Add(ForwardCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(DeployCommand.Create());
        root.Subcommands.Add(UndeployCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(RebalanceCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        // Ctrl+C and SIGTERM cancel the command's token (it stops what it asked of the cluster) instead of killing the
        // process mid-call. System.CommandLine's own handling is off: it did not see the signals here.
        using var interrupt = new CliInterrupt();
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupt.Token);
    }
}
