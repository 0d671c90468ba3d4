using System.CommandLine;

namespace DistInfer.Cli;

internal static class Program
{
    private static int Main(string[] args)
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
        return root.Parse(args).Invoke();
    }
}
