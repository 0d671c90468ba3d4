namespace DistInfer.Bench;

/// <summary>One `distinfer-bench &lt;name&gt;` subcommand.</summary>
internal interface IBenchCommand
{
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Option help lines, printed under the summary.</summary>
    string Usage { get; }

    int Run(BenchArgs args);
}
