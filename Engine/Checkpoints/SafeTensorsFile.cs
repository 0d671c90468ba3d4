using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Checkpoints;

/// <summary>
/// One safetensors file, memory-mapped read-only through a single view whose pointer is acquired once at
/// <see cref="Open"/>; the header is fully validated there so later reads only index into the map.
/// </summary>
public sealed unsafe class SafeTensorsFile : ITensorSource
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _data;
    private readonly SafeTensorsHeader _header;
    private int _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data,
        long dataOffset, long dataLength, SafeTensorsHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        DataSectionOffset = dataOffset;
        DataSectionLength = dataLength;
        _header = header;
    }

    public string Path { get; }

    public string Description => Path;

    /// <summary>File offset of the data section (8 + header length); tensor offsets are relative to it.</summary>
    public long DataSectionOffset { get; }

    public long DataSectionLength { get; }

    /// <summary>The header's "__metadata__" map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    public IReadOnlyCollection<string> Names => _header.Names;

    /// <summary>Opens and validates <paramref name="path"/>; every defect is a <see cref="CheckpointException"/> naming the file.</summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors reading needs a little-endian machine");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException($"{path}: safetensors file does not exist", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot open safetensors file ({e.Message})", e);
        }

        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            stream.Dispose();
            throw new CheckpointException(
                $"{path}: truncated, {fileLength} bytes (a safetensors file starts with an 8-byte header length)");
        }

        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
        }
        catch (IOException e)
        {
            stream.Dispose();
            throw new CheckpointException($"{path}: cannot map safetensors file ({e.Message})", e);
        }

        MemoryMappedViewAccessor? view = null;
        bool pointerAcquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            pointerAcquired = true;
            basePointer += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePointer, 8));
            if (headerLength > (ulong)(fileLength - 8))
            {
                throw new CheckpointException(
                    $"{path}: header length {headerLength} runs past the end of the file ({fileLength} bytes)");
            }

            if (headerLength > SafeTensorsHeader.MaxHeaderBytes)
            {
                throw new CheckpointException(
                    $"{path}: header length {headerLength} exceeds the {SafeTensorsHeader.MaxHeaderBytes}-byte limit");
            }

            long dataOffset = 8 + (long)headerLength;
            long dataLength = fileLength - dataOffset;
            byte[] json = new ReadOnlySpan<byte>(basePointer + 8, (int)headerLength).ToArray();
            var header = SafeTensorsHeader.Parse(json, dataLength, path);
            return new SafeTensorsFile(path, map, view, basePointer + dataOffset, dataOffset, dataLength, header);
        }
        catch
        {
            if (pointerAcquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public bool TryGetInfo(string name, out TensorInfo info) => _header.Tensors.TryGetValue(name, out info!);

    public TensorInfo GetInfo(string name)
    {
        if (!_header.Tensors.TryGetValue(name, out var info))
        {
            throw new CheckpointException($"tensor '{name}' not found in {Path}");
        }

        return info;
    }

    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetInfo(name));

    /// <summary>The bytes of an entry of this file (as returned by <see cref="GetInfo"/>), viewed in the map.</summary>
    public ReadOnlySpan<byte> GetBytes(TensorInfo info)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (info.ByteLength > int.MaxValue)
        {
            throw new CheckpointException(
                $"{Path}: tensor '{info.Name}' is {info.ByteLength} bytes, more than one span can view");
        }

        return new ReadOnlySpan<byte>(_data + info.DataOffset, (int)info.ByteLength);
    }

    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException(
                $"destination holds {destination.Length} elements but tensor '{name}' in {Path} has {info.ElementCount}",
                nameof(destination));
        }

        var bytes = GetBytes(info);
        switch (info.DType)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case DType.BF16:
                ElementConversion.BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes), destination);
                break;
            case DType.F16:
                ElementConversion.HalfToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case DType.I32:
                ElementConversion.Int32ToSingle(MemoryMarshal.Cast<byte, int>(bytes), destination);
                break;
            case DType.I64:
                ElementConversion.Int64ToSingle(MemoryMarshal.Cast<byte, long>(bytes), destination);
                break;
            default:
                throw new CheckpointException($"{Path}: tensor '{name}' has dtype {info.DType}, which cannot be read as F32");
        }
    }

    public float[] ReadFloat32(string name)
    {
        var info = GetInfo(name);
        var result = new float[CheckedArrayLength(info)];
        ReadFloat32(name, result);
        return result;
    }

    public long[] ReadInt64(string name)
    {
        var info = GetInfo(name);
        var bytes = GetBytes(info);
        var result = new long[CheckedArrayLength(info)];
        switch (info.DType)
        {
            case DType.I64:
                MemoryMarshal.Cast<byte, long>(bytes).CopyTo(result);
                break;
            case DType.I32:
                var ints = MemoryMarshal.Cast<byte, int>(bytes);
                for (int i = 0; i < ints.Length; i++)
                {
                    result[i] = ints[i];
                }

                break;
            default:
                throw new CheckpointException(
                    $"{Path}: tensor '{name}' has dtype {info.DType.ToSafeTensorsName()}; expected I64 or I32");
        }

        return result;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private int CheckedArrayLength(TensorInfo info) =>
        info.ElementCount <= Array.MaxLength
            ? (int)info.ElementCount
            : throw new CheckpointException($"{Path}: tensor '{info.Name}' has too many elements for one array");
}
