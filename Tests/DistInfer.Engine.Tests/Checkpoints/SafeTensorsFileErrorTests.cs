using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Tests.Checkpoints;

/// <summary>One case per defect SafeTensorsFile must reject, each checking the message names the file and the culprit.</summary>
public sealed class SafeTensorsFileErrorTests : IDisposable
{
    private const string Good = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_MissingFile_ThrowsNamingFile()
    {
        string path = _temp.File("absent.safetensors");

        AssertOpenFails(path, "does not exist");
    }

    [Theory]
    [InlineData("short.safetensors", new byte[] { 1, 2, 3 }, "truncated, 3 bytes")]
    [InlineData("empty.safetensors", new byte[0], "truncated, 0 bytes")]
    public void Open_FileShorterThanEightBytes_ThrowsTruncated(string name, byte[] bytes, string expected)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);

        AssertOpenFails(path, expected);
    }

    /// <summary>File name, header text, data bytes, declared header length (null: the header's own), message fragment.</summary>
    public static TheoryData<string, string, int, ulong?, string> MalformedFiles() => new()
    {
        { "long.safetensors", Good, 8, 5000, "header length 5000 runs past the end" },
        { "garbage.safetensors", "{\"w\": [nonsense", 0, null, "not valid JSON" },
        { "array.safetensors", "[1, 2]", 0, null, "header must be a JSON object" },
        { "nodtype.safetensors", """{"w":{"shape":[2],"data_offsets":[0,8]}}""", 8, null, "tensor 'w' lacks a string field 'dtype'" },
        { "negative.safetensors", """{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, null, "tensor 'w' field 'shape'" },
        {
            "triple.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", 8, null,
            "tensor 'w' field 'data_offsets' must hold [begin, end]"
        },
        {
            "meta.safetensors", """{"__metadata__":{"format":"pt","total":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, null,
            "'__metadata__.total' must be a string"
        },
        {
            "f8.safetensors", """{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2, null,
            "tensor 'w' has unsupported dtype 'F8_E4M3'"
        },
        { "past.safetensors", Good, 4, null, "tensor 'w' data_offsets end 8 is past the data section (4 bytes)" },
        {
            "reversed.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8, null,
            "tensor 'w' has data_offsets begin 8 > end 0"
        },
        {
            "overlap.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, null,
            "tensors 'a' [0, 8) and 'b' [4, 12) overlap"
        },
        {
            "size.safetensors", """{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,8]}}""", 8, null,
            "tensor 'w' holds 8 bytes but shape [3] of BF16 needs 6"
        },
        {
            "dup.safetensors", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null,
            "tensor 'w' appears twice"
        },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Open_MalformedFile_ThrowsNamingFileAndCulprit(string name, string header, int dataBytes, ulong? declaredHeaderLength, string expected)
    {
        string path = RawSafeTensors.Write(_temp.File(name), header, dataBytes, declaredHeaderLength);

        AssertOpenFails(path, expected);
    }

    [Theory]
    [InlineData(nameof(SafeTensorsFile.GetInfo))]
    [InlineData(nameof(SafeTensorsFile.ReadFloat32))]
    [InlineData(nameof(SafeTensorsFile.ReadInt64))]
    [InlineData(nameof(SafeTensorsFile.GetBytes))]
    public void Lookup_MissingTensor_ThrowsNotFoundNamingFile(string method)
    {
        using var file = OpenGood(out string path);
        Action lookup = method switch
        {
            nameof(SafeTensorsFile.GetInfo) => () => file.GetInfo("x"),
            nameof(SafeTensorsFile.ReadFloat32) => () => file.ReadFloat32("x"),
            nameof(SafeTensorsFile.ReadInt64) => () => file.ReadInt64("x"),
            _ => () => _ = file.GetBytes("x").Length,
        };

        var e = Assert.Throws<CheckpointException>(lookup);

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

    private static void AssertOpenFails(string path, string expected)
    {
        var e = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private SafeTensorsFile OpenGood(out string path)
    {
        path = RawSafeTensors.Write(_temp.File("good.safetensors"), Good, 8);
        return SafeTensorsFile.Open(path);
    }
}
