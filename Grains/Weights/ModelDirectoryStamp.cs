namespace DistInfer.Grains.Weights;

/// <summary>
/// A model directory's files as a stat sees them: name, length, last write time, inode and status-change time of each.
/// Equal stamps mean no file was rewritten, added or removed, which is cheap to ask on every manifest request (no
/// hashing, unlike the manifest); the change time catches a copy that keeps size and write time (<c>cp -p</c>).
/// </summary>
internal sealed class ModelDirectoryStamp
{
    private readonly (string Name, long Length, long WriteTicks, long Inode, long ChangeNanoseconds)[] _files;

    private ModelDirectoryStamp((string Name, long Length, long WriteTicks, long Inode, long ChangeNanoseconds)[] files)
    {
        _files = files;
    }

    /// <summary>The directory's files now (the same set the manifest is built from: every file directly in it).</summary>
    public static ModelDirectoryStamp Capture(string directory) =>
        new([.. new DirectoryInfo(directory).EnumerateFiles()
            .Select(f =>
            {
                var (inode, changed) = FileChangeStatus.Get(f.FullName);
                return (f.Name, f.Length, f.LastWriteTimeUtc.Ticks, inode, changed);
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal)]);

    public bool Matches(ModelDirectoryStamp other) => _files.AsSpan().SequenceEqual(other._files);
}
