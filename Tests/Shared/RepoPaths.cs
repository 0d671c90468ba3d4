namespace DistInfer.Tests.Shared;

/// <summary>
/// Locates the repository (the folder holding DistInfer.Orleans.sln) and its test data. Linked into the test
/// projects that need it, so there is one copy.
/// </summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string DemoModel => Path.Combine(Root, "models", "demo-moe");

    public static string Fixture(string name) => Path.Combine(Root, "Tests", "Fixtures", "hf", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistInfer.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"DistInfer.Orleans.sln not found above {AppContext.BaseDirectory}");
    }
}
