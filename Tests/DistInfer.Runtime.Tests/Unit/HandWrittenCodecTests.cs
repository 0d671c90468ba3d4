using DistInfer.Runtime.Membership;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>The hand-written object codecs read through <see cref="ObjectReader"/>: fields a newer writer adds are skipped.</summary>
public sealed class HandWrittenCodecTests
{
    [Fact]
    public void SiloAddress_UnknownFieldsOfEveryWireType_SkippedAndKnownOnesKept()
    {
        using var buffer = new PooledBufferWriter();
        var w = new Writer(buffer);
        w.WriteStartObject(0);
        WriteUnknownFields(ref w);
        w.WriteTag(0, WireType.LengthPrefixed);
        w.WriteString("10.0.0.7");
        w.WriteTag(1, WireType.VarInt);
        w.WriteVarInt64(11111);
        WriteUnknownFields(ref w);
        w.WriteTag(2, WireType.VarInt);
        w.WriteVarInt64(42);
        w.WriteEndObject();
        w.Commit();

        Assert.Equal(new SiloAddress("10.0.0.7", 11111, 42), Serializer.Deserialize<SiloAddress>(buffer.WrittenSpan));
    }

    [Fact]
    public void Exception_UnknownFieldBeforeMessage_SkippedAndTypeRebuilt()
    {
        using var buffer = new PooledBufferWriter();
        var w = new Writer(buffer);
        w.WriteStartObject(0);
        w.WriteTag(0, WireType.LengthPrefixed);
        w.WriteString(ExceptionCodec<Exception>.TypeNameOf(typeof(InvalidOperationException)));
        WriteUnknownFields(ref w);
        w.WriteTag(1, WireType.LengthPrefixed);
        w.WriteString("bad state");
        w.WriteEndObject();
        w.Commit();

        var error = Assert.IsType<InvalidOperationException>(Serializer.Deserialize<Exception>(buffer.WrittenSpan));
        Assert.Equal("bad state", error.Message);
    }

    [Fact]
    public void GrainId_UnknownNestedObject_Skipped()
    {
        using var buffer = new PooledBufferWriter();
        var w = new Writer(buffer);
        w.WriteStartObject(0);
        w.WriteTag(0, WireType.LengthPrefixed);
        w.WriteString("stage");
        WriteUnknownFields(ref w);
        w.WriteTag(1, WireType.LengthPrefixed);
        w.WriteString("model/3");
        w.WriteEndObject();
        w.Commit();

        Assert.Equal(new GrainId("stage", "model/3"), Serializer.Deserialize<GrainId>(buffer.WrittenSpan));
    }

    [Fact]
    public void List_UnknownFieldBetweenElements_Skipped()
    {
        using var buffer = new PooledBufferWriter();
        var w = new Writer(buffer);
        w.WriteStartObject(0);
        w.WriteTag(0, WireType.VarInt);
        w.WriteVarUInt64(2);
        Codec<int>.Instance.WriteField(ref w, 1, 5);
        WriteUnknownFields(ref w);
        Codec<int>.Instance.WriteField(ref w, 1, 6);
        w.WriteEndObject();
        w.Commit();

        Assert.Equal([5, 6], Serializer.Deserialize<List<int>>(buffer.WrittenSpan));
        Assert.Equal([5, 6], Serializer.Deserialize<int[]>(buffer.WrittenSpan));
    }

    // Ids no codec uses, one of each wire type a newer writer could add, including a nested object.
    private static void WriteUnknownFields(ref Writer w)
    {
        w.WriteTag(20, WireType.VarInt);
        w.WriteVarUInt64(300);
        w.WriteTag(21, WireType.LengthPrefixed);
        w.WriteString("future");
        w.WriteStartObject(22);
        w.WriteTag(0, WireType.VarInt);
        w.WriteVarUInt64(1);
        w.WriteEndObject();
        w.WriteNull(23);
        w.WriteTag(24, WireType.Fixed32);
        w.WriteFixed32(0xDEADBEEF);
        w.WriteTag(25, WireType.Fixed64);
        w.WriteFixed64(ulong.MaxValue);
    }
}
