namespace DistInfer.Silo.Hosting;

/// <summary>Finds the bundled models/demo-moe: beside the binary, or in a parent folder (a repository checkout).</summary>
internal static class DemoModelLocator
{
    public static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "demo-moe");
                if (File.Exists(Path.Combine(candidate, "config.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
