using DistInfer.Bench.Gpu;
using DistInfer.Engine;
using DistInfer.Engine.Cuda;

// distinfer-gpu-check [info|kernels|fixtures|stage-moe|bench|all|demo-cpu|cpu-bf16|stage-graphs] [--fixtures DIR] [--dump DIR] [--demo DIR] [--batches 1,8,32,128] [--stage-model DIR] [--steps N] [--json FILE] [--skinny-rows N] [--profile]
string command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
string fixtures = Option(args, "--fixtures") ?? "Tests/Fixtures/hf";
string batches = Option(args, "--batches") ?? "1,8,32,128";
string? json = Option(args, "--json");
int skinny = int.Parse(Option(args, "--skinny-rows") ?? "64", System.Globalization.CultureInfo.InvariantCulture);
try
{
    if (command == "demo-cpu")
    {
        // The CPU engine's demo-moe continuations with fp32 and bf16 activations: no GPU needed.
        DemoPrecisionChecks.Run(Option(args, "--demo") ?? "models/demo-moe");
        return 0;
    }

    if (command == "cpu-bf16")
    {
        // The fixtures on the CPU engine with bf16-rounded weights: both error measures, no GPU needed.
        CpuBf16Checks.Run(fixtures);
        return 0;
    }

    if (!CudaDevice.TryQueryAll(out var infos, out var reason))
    {
        Console.Error.WriteLine($"no CUDA: {reason}");
        return 2;
    }

    foreach (var info in infos)
    {
        Console.WriteLine(info);
    }

    using var device = CudaDevice.TryOpen(0, out reason);
    if (device is null)
    {
        Console.Error.WriteLine($"no CUDA device: {reason}");
        return 2;
    }

    bool ok = true;
    if (command is "kernels" or "all")
    {
        ok &= KernelChecks.Run(device);
        ok &= FusedKernelChecks.Run(device);
    }

    if (command is "fixtures" or "all")
    {
        ok &= FixtureChecks.Run(device, fixtures, Option(args, "--dump"));
        ok &= DemoChecks.Run(device, Option(args, "--demo") ?? "models/demo-moe");
    }

    if (command is "fixtures" or "stage-moe" or "all")
    {
        ok &= StageMoeChecks.Run(device, Option(args, "--demo") ?? "models/demo-moe");
        if (Option(args, "--stage-model") is { } other)
        {
            ok &= StageMoeChecks.Run(device, other);
        }
    }

    if (command == "stage-graphs")
    {
        // A/B of a stage's decode step with and without CUDA graphs, on demo-moe and --stage-model when given.
        int steps = int.Parse(Option(args, "--steps") ?? "64", System.Globalization.CultureInfo.InvariantCulture);
        int[] graphBatches = (Option(args, "--batches") ?? "1,8,32").Split(',').Select(int.Parse).ToArray();
        ok &= StageGraphBench.Run(device, Option(args, "--demo") ?? "models/demo-moe", graphBatches, steps);
        if (Option(args, "--stage-model") is { } big)
        {
            ok &= StageGraphBench.Run(device, big, graphBatches, steps);
        }
    }

    if (command is "bench" or "all")
    {
        GpuBenchmark.Run(device, batches.Split(',').Select(int.Parse).ToArray(), json, skinny, args.Contains("--profile"));
    }

    // "bench" alone checks nothing: saying that all checks passed there once hid a broken kernel.
    bool checkedAny = command is "kernels" or "all" or "fixtures" or "stage-moe" or "stage-graphs";
    Console.WriteLine(!checkedAny ? "no checks run (the bench does not verify outputs; distinfer-gpu-check all does)"
        : ok ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED");
    return ok ? 0 : 1;
}
catch (DistInferException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
