using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Tests.Checkpoints;

/// <summary>One test per defect SafeTensorsFile must reject, each checking the message names the file and the culprit.</summary>
public sealed class SafeTensorsFileErrorTests : IDisposable
{
    private const string Good = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_MissingFile_ThrowsNamingFile()
    {
        string path = _temp.File("absent.safetensors");

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileShorterThanEightBytes_ThrowsTruncated()
    {
        string path = _temp.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated, 3 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsTruncated()
    {
        string path = _temp.File("empty.safetensors");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated, 0 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_ThrowsNamingLength()
    {
        string path = RawSafeTensors.Write(_temp.File("long.safetensors"), Good, 8, declaredHeaderLength: 5000);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("header length 5000 runs past the end", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderNotJson_ThrowsNotValidJson()
    {
        string path = RawSafeTensors.Write(_temp.File("garbage.safetensors"), "{\"w\": [nonsense", 0);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_HeaderIsArray_ThrowsMustBeObject()
    {
        string path = RawSafeTensors.Write(_temp.File("array.safetensors"), "[1, 2]", 0);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("header must be a JSON object", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TensorEntryLacksDtype_ThrowsNamingTensorAndField()
    {
        string path = RawSafeTensors.Write(_temp.File("nodtype.safetensors"), """{"w":{"shape":[2],"data_offsets":[0,8]}}""", 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' lacks a string field 'dtype'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ShapeHasNegativeDimension_ThrowsNamingTensorAndField()
    {
        string path = RawSafeTensors.Write(_temp.File("negative.safetensors"), """{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' field 'shape'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DataOffsetsNotAPair_ThrowsNamingTensorAndField()
    {
        string path = RawSafeTensors.Write(_temp.File("triple.safetensors"), """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' field 'data_offsets' must hold [begin, end]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_MetadataValueNotString_ThrowsNamingField()
    {
        string header = """{"__metadata__":{"format":"pt","total":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        string path = RawSafeTensors.Write(_temp.File("meta.safetensors"), header, 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'__metadata__.total' must be a string", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnknownDType_ThrowsNamingDTypeAndTensor()
    {
        string path = RawSafeTensors.Write(_temp.File("f8.safetensors"), """{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' has unsupported dtype 'F8_E4M3'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EndPastDataSection_ThrowsNamingTensor()
    {
        string path = RawSafeTensors.Write(_temp.File("past.safetensors"), Good, 4);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' data_offsets end 8 is past the data section (4 bytes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BeginAfterEnd_ThrowsNamingTensor()
    {
        string path = RawSafeTensors.Write(_temp.File("reversed.safetensors"), """{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' has data_offsets begin 8 > end 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_OverlappingTensors_ThrowsNamingBoth()
    {
        string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        string path = RawSafeTensors.Write(_temp.File("overlap.safetensors"), header, 12);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensors 'a' [0, 8) and 'b' [4, 12) overlap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ByteSizeNotMatchingShape_ThrowsNamingTensor()
    {
        string path = RawSafeTensors.Write(_temp.File("size.safetensors"), """{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,8]}}""", 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' holds 8 bytes but shape [3] of BF16 needs 6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DuplicateTensorName_ThrowsNamingTensor()
    {
        string header = """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        string path = RawSafeTensors.Write(_temp.File("dup.safetensors"), header, 8);

        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetInfo_MissingTensor_ThrowsNotFoundNamingFile()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<CheckpointException>(() => file.GetInfo("x"));

        Assert.Equal($"tensor 'x' not found in {path}", e.Message);
    }

    [Fact]
    public void ReadFloat32_MissingTensor_ThrowsNotFoundNamingFile()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<CheckpointException>(() => file.ReadFloat32("x"));

        Assert.Equal($"tensor 'x' not found in {path}", e.Message);
    }

    [Fact]
    public void ReadInt64_MissingTensor_ThrowsNotFoundNamingFile()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<CheckpointException>(() => file.ReadInt64("x"));

        Assert.Equal($"tensor 'x' not found in {path}", e.Message);
    }

    [Fact]
    public void GetBytes_MissingTensor_ThrowsNotFoundNamingFile()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<CheckpointException>(() => file.GetBytes("x").Length);

        Assert.Equal($"tensor 'x' not found in {path}", e.Message);
    }

    [Fact]
    public void ReadFloat32_DestinationLengthMismatch_ThrowsArgumentException()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<ArgumentException>(() => file.ReadFloat32("w", new float[3]));

        Assert.Contains("tensor 'w'", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadInt64_FloatTensor_ThrowsNamingTensorAndDType()
    {
        using var file = OpenGood(out string path);

        var e = Assert.Throws<CheckpointException>(() => file.ReadInt64("w"));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor 'w' has dtype F32; expected I64 or I32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetBytes_AfterDispose_ThrowsObjectDisposed()
    {
        var file = OpenGood(out _);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("w").Length);
    }

    private SafeTensorsFile OpenGood(out string path)
    {
        path = RawSafeTensors.Write(_temp.File("good.safetensors"), Good, 8);
        return SafeTensorsFile.Open(path);
    }
}
