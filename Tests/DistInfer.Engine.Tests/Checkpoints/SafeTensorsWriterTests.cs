using System.Buffers.Binary;
using DistInfer.Engine.Checkpoints;
using DistInfer.Engine.Tensors;

namespace DistInfer.Engine.Tests.Checkpoints;

public sealed class SafeTensorsWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_AllDTypesAndMetadata_RoundTrip()
    {
        float[] floats = [1.5f, -2.25f, 3.0e-3f, 65504f, -0f, 1e-8f];
        long[] longs = [long.MinValue, -1, 0, 1, long.MaxValue, 1L << 40];
        int[] ints = [int.MinValue, -7, 0, 7, int.MaxValue, 12345];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "round \"trip\" ✓" };
        string path = _temp.File("all.safetensors");

        SafeTensorsWriter.Write(path,
        [
            TensorData.FromFloat32("f32", [2, 3], floats),
            TensorData.FromFloat32AsBFloat16("bf16", [6], floats),
            TensorData.FromFloat32AsHalf("f16", [3, 2], floats),
            TensorData.FromInt64("i64", [6], longs),
            TensorData.FromInt32("i32", [1, 6], ints),
            new TensorData("empty", DType.F32, [0, 4], ReadOnlyMemory<byte>.Empty),
            new TensorData("scalar", DType.F32, [], BitConverter.GetBytes(42f)),
        ], metadata);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(7, file.Names.Count);
        Assert.Equal(floats, file.ReadFloat32("f32"));
        Assert.Equal([2L, 3L], file.GetInfo("f32").Shape);
        Assert.Equal(DType.BF16, file.GetInfo("bf16").DType);
        Assert.Equal(floats.Select(f => ElementConversion.BFloat16ToSingle(ElementConversion.SingleToBFloat16(f))),
            file.ReadFloat32("bf16"));
        Assert.Equal(floats.Select(f => (float)(Half)f), file.ReadFloat32("f16"));
        Assert.Equal(longs, file.ReadInt64("i64"));
        Assert.Equal(ints.Select(i => (long)i), file.ReadInt64("i32"));
        Assert.Equal(ints.Select(i => (float)i), file.ReadFloat32("i32"));
        Assert.Empty(file.ReadFloat32("empty"));
        Assert.Equal([0L, 4L], file.GetInfo("empty").Shape);
        Assert.Equal([42f], file.ReadFloat32("scalar"));
        Assert.Empty(file.GetInfo("scalar").Shape);
    }

    [Fact]
    public void Write_Header_PaddedWithSpacesToEightBytesAndTensorsAligned()
    {
        string path = _temp.File("pad.safetensors");

        SafeTensorsWriter.Write(path,
        [
            TensorData.FromFloat32AsBFloat16("a", [3], [1f, 2f, 3f]),
            TensorData.FromInt64("b", [1], [5]),
            TensorData.FromFloat32("c", [1], [7f]),
        ]);

        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal((byte)'}', bytes[8..(8 + (int)headerLength)].AsSpan().TrimEnd((byte)' ')[^1]);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        foreach (var name in file.Names)
        {
            var info = file.GetInfo(name);
            Assert.Equal(0, info.DataOffset % info.DType.SizeInBytes());
        }

        Assert.Equal(bytes.Length, (int)(file.DataSectionOffset + file.DataSectionLength));
    }

    [Fact]
    public void WriteSharded_SmallShardLimit_RoundTripsThroughCheckpointOpen()
    {
        var tensors = Enumerable.Range(0, 7)
            .Select(i => TensorData.FromFloat32($"layer.{i}.weight", [4, 8], Enumerable.Range(0, 32).Select(v => i * 100f + v).ToArray()))
            .Append(TensorData.FromInt64("positions", [3], [0, 1, 2]))
            .ToList();

        var shards = SafeTensorsWriter.WriteSharded(_temp.Path, tensors, maxShardBytes: 300);

        Assert.Equal(4, shards.Count);
        Assert.Equal("model-00001-of-00004.safetensors", shards[0]);
        Assert.Equal("model-00004-of-00004.safetensors", shards[3]);
        using var source = Checkpoint.Open(_temp.Path);
        var sharded = Assert.IsType<ShardedCheckpoint>(source);
        Assert.Equal(4, sharded.Shards.Count);
        Assert.Equal((7 * 128 + 24).ToString(System.Globalization.CultureInfo.InvariantCulture), sharded.Metadata["total_size"]);
        Assert.Equal(8, source.Names.Count);
        for (int i = 0; i < 7; i++)
        {
            float[] values = source.ReadFloat32($"layer.{i}.weight");
            Assert.Equal(i * 100f + 31f, values[31]);
            Assert.Equal([4L, 8L], source.GetInfo($"layer.{i}.weight").Shape);
            Assert.Equal(128, source.GetBytes($"layer.{i}.weight").Length);
        }

        Assert.Equal([0L, 1L, 2L], source.ReadInt64("positions"));
        Assert.True(source.TryGetInfo("positions", out var info));
        Assert.Equal(DType.I64, info.DType);
        Assert.False(source.TryGetInfo("absent", out _));
    }

    [Fact]
    public void Open_IndexJsonPathAndSafetensorsPath_OpenDirectly()
    {
        SafeTensorsWriter.WriteSharded(_temp.Path, [TensorData.FromFloat32("x", [2], [1f, 2f])], maxShardBytes: 1 << 20);
        string shard = _temp.File("model-00001-of-00001.safetensors");

        using var fromIndex = Checkpoint.Open(_temp.File(SafeTensorsWriter.IndexFileName));
        using var fromFile = Checkpoint.Open(shard);

        Assert.IsType<ShardedCheckpoint>(fromIndex);
        Assert.IsType<SafeTensorsFile>(fromFile);
        Assert.Equal([1f, 2f], fromIndex.ReadFloat32("x"));
        Assert.Equal([1f, 2f], fromFile.ReadFloat32("x"));
    }

    [Fact]
    public void Write_DataLengthDiffersFromShape_ThrowsArgumentException()
    {
        var bad = new TensorData("w", DType.F32, [3], new byte[8]);

        var e = Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(_temp.File("bad.safetensors"), [bad]));

        Assert.Contains("'w'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFloat32_SpanDestination_WritesInPlace()
    {
        string path = _temp.File("span.safetensors");
        SafeTensorsWriter.Write(path, [TensorData.FromFloat32AsBFloat16("w", [40], Enumerable.Range(0, 40).Select(i => i * 0.5f).ToArray())]);
        using var file = SafeTensorsFile.Open(path);
        var destination = new float[40];

        file.ReadFloat32("w", destination);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => i * 0.5f), destination);
    }

    [Fact]
    public void Write_FillerThrows_LeavesNoFileBehind()
    {
        string path = _temp.File("fail.safetensors");
        TensorSpec[] specs = [new("a", DType.F32, [4]), new("b", DType.F32, [4])];

        Assert.Throws<InvalidOperationException>(() => SafeTensorsWriter.Write(path, specs, (spec, _, destination) =>
        {
            if (spec.Name == "b")
            {
                throw new InvalidOperationException("generator failed");
            }

            destination.Span.Clear();
        }));

        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Write_StreamingLargeTensor_FillsInChunksInOrder()
    {
        string path = _temp.File("chunks.safetensors");
        long elements = (SafeTensorsWriter.ChunkBytes / 4) + 3;
        var offsets = new List<long>();

        SafeTensorsWriter.Write(path, [new TensorSpec("big", DType.F32, [elements])], (_, offset, destination) =>
        {
            offsets.Add(offset);
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(destination.Span);
            for (int i = 0; i < floats.Length; i++)
            {
                floats[i] = (offset / 4) + i;
            }
        });

        using var file = SafeTensorsFile.Open(path);
        float[] values = file.ReadFloat32("big");
        Assert.Equal([0L, SafeTensorsWriter.ChunkBytes], offsets);
        Assert.Equal(elements - 1, values[^1]);
        Assert.Equal(SafeTensorsWriter.ChunkBytes / 4, values[SafeTensorsWriter.ChunkBytes / 4]);
    }
}
