namespace DistInfer.Grains.Weights;

/// <summary>
/// A model directory's files as a stat sees them: name, length and last write time of each. Equal stamps mean no file
/// was rewritten, added or removed, which is cheap to ask on every manifest request (no hashing, unlike the manifest).
/// </summary>
internal sealed class ModelDirectoryStamp
{
    private readonly (string Name, long Length, long WriteTicks)[] _files;

    private ModelDirectoryStamp((string Name, long Length, long WriteTicks)[] files)
    {
        _files = files;
    }

    /// <summary>The directory's files now (the same set the manifest is built from: every file directly in it).</summary>
    public static ModelDirectoryStamp Capture(string directory) =>
        new([.. new DirectoryInfo(directory).EnumerateFiles()
            .Select(f => (f.Name, f.Length, f.LastWriteTimeUtc.Ticks))
            .OrderBy(f => f.Name, StringComparer.Ordinal)]);

    public bool Matches(ModelDirectoryStamp other) => _files.AsSpan().SequenceEqual(other._files);
}
