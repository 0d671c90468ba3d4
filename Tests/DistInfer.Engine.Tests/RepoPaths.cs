namespace DistInfer.Engine.Tests;

/// <summary>Locates test data from the build output by walking up to the directory holding DistInfer.Orleans.sln.</summary>
public static class RepoPaths
{
    private const string SolutionFile = "DistInfer.Orleans.sln";

    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string DemoModel => Path.Combine(Root, "models", "demo-moe");

    /// <summary>A Hugging Face fixture directory, e.g. Fixture("mixtral") is Tests/Fixtures/hf/mixtral.</summary>
    public static string Fixture(string name) => Path.Combine(Root, "Tests", "Fixtures", "hf", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no {SolutionFile} above {AppContext.BaseDirectory}");
    }
}
