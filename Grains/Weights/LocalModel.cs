using System.Security.Cryptography;
using System.Text;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;
using Microsoft.Win32.SafeHandles;

namespace DistInfer.Grains.Weights;

/// <summary>A model directory this silo reads: its checkpoint (memory-mapped, and its weight files open), and its manifest.</summary>
internal sealed class LocalModel : IDisposable
{
    /// <summary>Larger non-weight files are not shipped (a stray dump in the directory should not cost a transfer).</summary>
    private const long MaxSmallFileBytes = 256L << 20;

    /// <summary>Bytes of each end of every tensor that go into the content fingerprint.</summary>
    private const int SampleBytes = 64;

    private static readonly string[] WeightExtensions = [".safetensors", ".bin", ".pt", ".pth", ".gguf", ".ckpt", ".h5", ".msgpack", ".partial"];

    /// <summary>Small files that shape what is served (config, tokenizer, chat template); a README or notes do not.</summary>
    private static readonly string[] ContentExtensions = [".json", ".jinja", ".model"];

    private readonly Dictionary<string, SafeFileHandle> _weightFiles;

    private LocalModel(string directory, ITensorSource tensors, ModelManifest manifest, Dictionary<string, SafeFileHandle> weightFiles)
    {
        Directory = directory;
        Tensors = tensors;
        Manifest = manifest;
        _weightFiles = weightFiles;
    }

    public string Directory { get; }

    public ITensorSource Tensors { get; }

    public ModelManifest Manifest { get; }

    public static LocalModel Open(string path)
    {
        var directory = Path.GetFullPath(path);
        var tensors = Checkpoint.Open(directory);
        var files = new Dictionary<string, SafeFileHandle>(StringComparer.Ordinal);
        try
        {
            // Held open beside the map: shipped bytes come from the files the manifest describes even when one is
            // renamed over meanwhile, and a file truncated in place gives a short read, not a fault in the map.
            foreach (var file in tensors is ShardedCheckpoint sharded ? sharded.Shards : [(SafeTensorsFile)tensors])
            {
                files[file.Path] = File.OpenHandle(file.Path);
            }

            return new LocalModel(directory, tensors, BuildManifest(directory, tensors), files);
        }
        catch
        {
            foreach (var handle in files.Values)
            {
                handle.Dispose();
            }

            tensors.Dispose();
            throw;
        }
    }

    /// <summary>The open file holding a tensor, and where the tensor's bytes start in it.</summary>
    public (SafeFileHandle File, string Name, long Offset) Locate(string tensor, TensorInfo info)
    {
        var file = Tensors is ShardedCheckpoint sharded ? sharded.ShardOf(tensor) : (SafeTensorsFile)Tensors;
        return (_weightFiles[file.Path], Path.GetFileName(file.Path), file.DataSectionOffset + info.DataOffset);
    }

    /// <summary>True for the small files a silo without the directory needs (config, tokenizer, generation config...).</summary>
    public static bool IsShippedFile(string name, long length) =>
        length <= MaxSmallFileBytes
        && !name.Equals(SafeTensorsWriter.IndexFileName, StringComparison.OrdinalIgnoreCase)
        && !name.StartsWith('.')
        && !WeightExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static ModelManifest BuildManifest(string directory, ITensorSource tensors)
    {
        // The fingerprint names the content: the path, the weight files' sizes and times, the small files' hashes and
        // the tensors' sampled bytes (so a same-size copy that keeps the write time, cp -p, is another checkpoint). Not
        // inodes or change times: copies on several source silos must agree, or a transfer failing over between them
        // would look like a rewrite. Those only tell this silo to look again (ModelDirectoryStamp).
        var identity = new StringBuilder().Append("path\t").Append(directory).Append('\n');
        var content = new StringBuilder();
        var files = new List<ModelFileEntry>();
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (IsShippedFile(file.Name, file.Length))
            {
                using var stream = file.OpenRead();
                var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
                files.Add(new ModelFileEntry { Name = file.Name, Length = file.Length, Sha256 = sha });
                identity.Append("file\t").Append(file.Name).Append('\t').Append(sha).Append('\n');
                if (ContentExtensions.Any(e => file.Name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                {
                    content.Append("file\t").Append(file.Name).Append('\t').Append(sha).Append('\n');
                }
            }
            else
            {
                identity.Append("weights\t").Append(file.Name).Append('\t').Append(file.Length).Append('\t').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
            }
        }

        var entries = new List<ModelTensorEntry>(tensors.Names.Count);
        foreach (var name in tensors.Names.Order(StringComparer.Ordinal))
        {
            var info = tensors.GetInfo(name);
            entries.Add(new ModelTensorEntry { Name = name, DType = info.DType.ToSafeTensorsName(), Shape = [.. info.Shape], ByteLength = info.ByteLength });
            var line = $"tensor\t{name}\t{info.DType}\t{string.Join(',', info.Shape)}\t{Sample(tensors, name, info.ByteLength)}";
            identity.Append(line).Append('\n');
            content.Append(line).Append('\n');
        }

        return new ModelManifest
        {
            Name = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)),
            Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString()))),
            Files = files,
            Tensors = entries,
            ContentFingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToString()))),
        };
    }

    /// <summary>
    /// The first and last bytes of a tensor, so checkpoints alike in config and shapes (two fine-tunes of one base)
    /// still differ; two pages a tensor at most, not a read of the weights.
    /// </summary>
    private static string Sample(ITensorSource tensors, string name, long length)
    {
        if (length > int.MaxValue)
        {
            // Larger than a span can view: its header alone identifies it.
            return "";
        }

        var bytes = tensors.GetBytes(name);
        var n = Math.Min(SampleBytes, bytes.Length);
        return Convert.ToHexStringLower(bytes[..n]) + Convert.ToHexStringLower(bytes[^n..]);
    }

    public void Dispose()
    {
        foreach (var handle in _weightFiles.Values)
        {
            handle.Dispose();
        }

        Tensors.Dispose();
    }
}
