namespace DistInfer.Silo.Tests;

/// <summary>A copy of a model directory with some files written over or added, for models the fixtures lack.</summary>
internal static class ModelCopy
{
    public static string Of(TempDirectory temp, string name, string source, params (string File, string Content)[] files)
    {
        var target = temp.Combine(name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var (file, content) in files)
        {
            File.WriteAllText(Path.Combine(target, file), content);
        }

        return target;
    }
}
