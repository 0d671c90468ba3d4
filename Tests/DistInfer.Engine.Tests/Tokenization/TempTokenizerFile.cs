using System.Text.Json.Nodes;

namespace DistInfer.Engine.Tests.Tokenization;

/// <summary>A variant of the demo tokenizer.json written to a private temp directory, deleted on dispose.</summary>
internal sealed class TempTokenizerFile : IDisposable
{
    private TempTokenizerFile(string directory)
    {
        Directory = directory;
        Path = System.IO.Path.Combine(directory, "tokenizer.json");
    }

    public string Directory { get; }

    public string Path { get; }

    /// <summary>The demo tokenizer.json after <paramref name="edit"/> has changed it.</summary>
    public static TempTokenizerFile FromDemo(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(DemoTokenizer.TokenizerJsonPath))!.AsObject();
        edit(json);
        return WithText(json.ToJsonString());
    }

    public static TempTokenizerFile WithText(string text)
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "distinfer-tok-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var file = new TempTokenizerFile(dir);
        File.WriteAllText(file.Path, text);
        return file;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
