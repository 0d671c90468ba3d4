namespace DistInfer.Engine.Tests;

/// <summary>Locates the repository (the directory holding DistInfer.Orleans.sln) from the test binaries.</summary>
internal static class RepoPaths
{
    static RepoPaths()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DistInfer.Orleans.sln")))
        {
            dir = dir.Parent;
        }

        Root = dir?.FullName
            ?? throw new InvalidOperationException($"No DistInfer.Orleans.sln above {AppContext.BaseDirectory}.");
    }

    public static string Root { get; }

    public static string Fixture(string name) => Path.Combine(Root, "Tests", "Fixtures", "hf", name);

    public static string DemoModel => Path.Combine(Root, "models", "demo-moe");
}
