namespace DistInfer.Runtime.Tests.Processes;

/// <summary>Finds the built DistInfer.TestSiloHost.dll (the test project references it so it builds first).</summary>
internal static class SiloHostPaths
{
    public static string DllPath { get; } = FindDll();

    private static string FindDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "DistInfer.TestSiloHost.dll");
        if (File.Exists(beside))
        {
            return beside;
        }

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "DistInfer.Orleans.sln")))
        {
            root = root.Parent;
        }

        if (root is not null)
        {
            // The tests' own configuration first: a stale build of the other one must not stand in for the code under test.
            var own = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            foreach (var configuration in new[] { own, own == "Release" ? "Debug" : "Release" })
            {
                var built = Path.Combine(root.FullName, "Tests", "DistInfer.TestSiloHost", "bin", configuration, "net10.0", "DistInfer.TestSiloHost.dll");
                if (File.Exists(built))
                {
                    return built;
                }
            }
        }

        throw new FileNotFoundException($"DistInfer.TestSiloHost.dll not found beside {AppContext.BaseDirectory} or under Tests/DistInfer.TestSiloHost/bin");
    }
}
