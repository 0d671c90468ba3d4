using System.Buffers.Binary;
using System.Text.Json;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Bench.Gpu;

/// <summary>
/// A small whole-file safetensors reader for the fixtures (the engine's memory-mapped reader replaces it once merged).
/// </summary>
public sealed class SafeTensorsFile : ITensorSource
{
    private readonly byte[] _data;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _infos = new(StringComparer.Ordinal);

    public SafeTensorsFile(string path)
    {
        Description = path;
        _data = File.ReadAllBytes(path);
        if (_data.Length < 8)
        {
            throw new CheckpointException($"{path}: truncated header");
        }

        long n = BinaryPrimitives.ReadInt64LittleEndian(_data);
        if (n <= 0 || 8 + n > _data.Length)
        {
            throw new CheckpointException($"{path}: header length {n} past the end");
        }

        _dataStart = 8 + n;
        using var doc = JsonDocument.Parse(_data.AsMemory(8, (int)n));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                continue;
            }

            var dt = p.Value.GetProperty("dtype").GetString() ?? string.Empty;
            if (!DTypeExtensions.TryParseSafeTensorsName(dt, out var dtype))
            {
                throw new CheckpointException($"{path}: tensor {p.Name} has unknown dtype {dt}");
            }

            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var offs = p.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            _infos[p.Name] = new TensorInfo(p.Name, dtype, shape, offs[0], offs[1] - offs[0]);
        }
    }

    public string Description { get; }

    public IReadOnlyCollection<string> Names => _infos.Keys;

    public bool TryGetInfo(string name, out TensorInfo info) => _infos.TryGetValue(name, out info!);

    public TensorInfo GetInfo(string name) =>
        _infos.TryGetValue(name, out var info) ? info : throw new CheckpointException($"{Description}: missing tensor {name}");

    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        return _data.AsSpan((int)(_dataStart + info.DataOffset), (int)info.ByteLength);
    }

    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        var bytes = GetBytes(name);
        for (int i = 0; i < info.ElementCount; i++)
        {
            destination[i] = info.DType switch
            {
                DType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
                DType.BF16 => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
                DType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
                DType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                DType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                _ => throw new CheckpointException($"{Description}: tensor {name} dtype {info.DType} not readable"),
            };
        }
    }

    public float[] ReadFloat32(string name)
    {
        var result = new float[GetInfo(name).ElementCount];
        ReadFloat32(name, result);
        return result;
    }

    public long[] ReadInt64(string name)
    {
        var info = GetInfo(name);
        var bytes = GetBytes(name);
        var result = new long[info.ElementCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = info.DType switch
            {
                DType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                DType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                _ => throw new CheckpointException($"{Description}: tensor {name} is {info.DType}, not an integer tensor"),
            };
        }

        return result;
    }

    public void Dispose()
    {
    }
}
