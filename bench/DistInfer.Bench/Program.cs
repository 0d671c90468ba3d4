namespace DistInfer.Bench;

/// <summary>`distinfer-bench &lt;command&gt; [options]`: each benchmark is an <see cref="IBenchCommand"/> listed here.</summary>
internal static class Program
{
    private static readonly IBenchCommand[] Commands =
    [
        new Commands.SgemmCommand(),
        new Commands.MemoryBandwidthCommand(),
        new Commands.EngineCommand(),
        new Commands.DecodeSweepCommand(),
        new Commands.FabricCommand(),
        new Commands.FabricStepsCommand(),
        new Commands.DrainCommand(),
        new Commands.WeightsCommand(),
        new Commands.StreamHopCommand(),
        new Commands.SamplerCommand(),
    ];

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintHelp();
            return args.Length == 0 ? 2 : 0;
        }

        IBenchCommand? command = Array.Find(Commands, c => c.Name == args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"distinfer-bench: unknown command '{args[0]}'");
            PrintHelp();
            return 2;
        }

        try
        {
            return command.Run(new BenchArgs(args.Skip(1)));
        }
        catch (BenchUsageException e)
        {
            Console.Error.WriteLine($"distinfer-bench {command.Name}: {e.Message}");
            Console.Error.WriteLine(command.Usage);
            return 2;
        }
    }

    private static void PrintHelp()
    {
        Console.WriteLine("usage: distinfer-bench <command> [options]   (run in Release: dotnet run -c Release --project bench/DistInfer.Bench -- <command>)");
        foreach (IBenchCommand command in Commands)
        {
            Console.WriteLine($"  {command.Name,-8} {command.Summary}");
            Console.WriteLine(command.Usage);
        }
    }
}
