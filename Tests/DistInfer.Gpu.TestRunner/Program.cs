using System.Reflection;
using DistInfer.Cluster.Tests;
using DistInfer.Engine.Tests.Cuda;
using DistInfer.Gpu.TestRunner;
using DistInfer.Silo.Tests.Cluster;
using Xunit.Abstractions;
using Xunit.Sdk;

// distinfer-gpu-tests [--trait Category=Gpu] [--list]
// Runs the test assemblies' tests that carry the trait (default Category=Gpu) through xunit's own discovery and
// execution (XunitTestFramework), for a GPU host without the .NET SDK: published self-contained by
// bench/DistInfer.Bench.Gpu/publish.sh DIR tests. Prints PASS/FAIL/SKIP per test and a closing count; exits 1 when a
// test fails or none matched. Run from the repository root (or anywhere below it: fixtures are found from the
// executable's folder upward).
string trait = Option(args, "--trait") ?? "Category=Gpu";
int eq = trait.IndexOf('=', StringComparison.Ordinal);
if (eq <= 0)
{
    Console.Error.WriteLine($"--trait must be NAME=VALUE, got '{trait}'");
    return 2;
}

string traitName = trait[..eq], traitValue = trait[(eq + 1)..];
bool listOnly = args.Contains("--list");
Assembly[] assemblies = [typeof(CudaTransformerGpuTests).Assembly, typeof(GpuSiloTests).Assembly, typeof(GpuFabricFaultTests).Assembly];
var sink = new ResultSink();
var options = new FrameworkOptions();
// One test at a time: the tests share one GPU and time their own work.
options.SetValue("xunit.execution.DisableParallelization", true);
options.SetValue("xunit.discovery.PreEnumerateTheories", true);
int selected = 0;
foreach (var assembly in assemblies)
{
    using var framework = new XunitTestFramework(sink);
    using var discoverer = framework.GetDiscoverer(new ReflectionAssemblyInfo(assembly));
    discoverer.Find(includeSourceInformation: false, sink, options);
    sink.WaitAndReset();
    var cases = sink.Discovered.Where(c => c.Traits.TryGetValue(traitName, out var values) && values.Contains(traitValue)).ToList();
    sink.Discovered.Clear();
    Console.WriteLine($"# {assembly.GetName().Name}: {cases.Count} test cases with {trait}");
    selected += cases.Count;
    if (listOnly)
    {
        cases.ForEach(c => Console.WriteLine($"  {c.DisplayName}"));
        continue;
    }

    if (cases.Count > 0)
    {
        using var executor = framework.GetExecutor(assembly.GetName());
        executor.RunTests(cases, sink, options);
        sink.WaitAndReset();
    }
}

if (listOnly)
{
    return selected > 0 ? 0 : 1;
}

Console.WriteLine($"gpu tests: {sink.Passed} passed, {sink.Failed} failed, {sink.Skipped} skipped");
return sink.Failed == 0 && selected > 0 ? 0 : 1;

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
