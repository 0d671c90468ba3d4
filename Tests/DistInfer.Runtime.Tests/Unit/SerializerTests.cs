using System.Runtime.InteropServices;
using DistInfer.Runtime.Serialization;
using DistInfer.Runtime.Tests.Unit.Types;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class SerializerTests
{
    [Fact]
    public void RoundTrip_AllSupportedMemberTypes_Preserved()
    {
        var value = new Everything
        {
            B = 200, S = -3, I = int.MinValue, L = long.MaxValue, UL = ulong.MaxValue, F = 1.5f, D = -2.25, Flag = true, C = 'é',
            Text = "héllo", Id = Guid.NewGuid(), When = new DateTime(2026, 11, 22, 1, 2, 3, DateTimeKind.Utc), Span = TimeSpan.FromMilliseconds(-5),
            Day = DayOfWeek.Friday, Bytes = [1, 2, 3], Floats = [0.5f, -1f], Memory = new byte[] { 9, 8 }, Maybe = 4,
            Profiles = [new ProfileV1("a", 1), new ProfileV1("b", 2)], Grain = new GrainId("t", "k"),
        };
        var copy = Serializer.Deserialize<Everything>(Serializer.SerializeToArray(value));
        Assert.Equal(value.B, copy.B);
        Assert.Equal(value.S, copy.S);
        Assert.Equal(value.I, copy.I);
        Assert.Equal(value.L, copy.L);
        Assert.Equal(value.UL, copy.UL);
        Assert.Equal(value.F, copy.F);
        Assert.Equal(value.D, copy.D);
        Assert.True(copy.Flag);
        Assert.Equal(value.C, copy.C);
        Assert.Equal(value.Text, copy.Text);
        Assert.Equal(value.Id, copy.Id);
        Assert.Equal(value.When, copy.When);
        Assert.Equal(DateTimeKind.Utc, copy.When.Kind);
        Assert.Equal(value.Span, copy.Span);
        Assert.Equal(value.Day, copy.Day);
        Assert.Equal(value.Bytes, copy.Bytes);
        Assert.Equal(value.Floats, copy.Floats);
        Assert.Equal(value.Memory.ToArray(), copy.Memory.ToArray());
        Assert.Equal(4, copy.Maybe);
        Assert.Equal(value.Profiles, copy.Profiles);
        Assert.Equal(value.Grain, copy.Grain);
    }

    [Fact]
    public void RoundTrip_NullsAndStruct_Preserved()
    {
        var copy = Serializer.Deserialize<Everything>(Serializer.SerializeToArray(new Everything()));
        Assert.Null(copy.Text);
        Assert.Null(copy.Bytes);
        Assert.Null(copy.Maybe);
        var point = Serializer.Deserialize<PointStruct>(Serializer.SerializeToArray(new PointStruct { X = -1, Y = 2 }));
        Assert.Equal((-1, 2), (point.X, point.Y));
    }

    [Fact]
    public void OldReader_NewWriter_SkipsUnknownFields()
    {
        var v2 = new ProfileV2("ann", 41) { Tags = ["x", "y"], Child = new Nested { Weights = { ["w"] = 0.5 }, Ids = [1, 2] } };
        var v1 = Serializer.Deserialize<ProfileV1>(Serializer.SerializeToArray(v2));
        Assert.Equal(new ProfileV1("ann", 41), v1);
    }

    [Fact]
    public void NewReader_OldWriter_KeepsDefaultsForMissingFields()
    {
        var v2 = Serializer.Deserialize<ProfileV2>(Serializer.SerializeToArray(new ProfileV1("bob", 7)));
        Assert.Equal("bob", v2.Name);
        Assert.Equal(7, v2.Age);
        Assert.Null(v2.Child);
    }

    [Fact]
    public void NestedCollections_RoundTrip()
    {
        var v2 = new ProfileV2("c", 1) { Tags = ["t"], Child = new Nested { Weights = { ["a"] = 1, ["b"] = 2 }, Ids = [5, 6, 7] } };
        var copy = Serializer.Deserialize<ProfileV2>(Serializer.SerializeToArray(v2));
        Assert.Equal(["t"], copy.Tags);
        Assert.Equal(2, copy.Child!.Weights["b"]);
        Assert.Equal([5, 6, 7], copy.Child.Ids);
    }

    [Fact]
    public void FloatArray_IsRawContiguousBytes()
    {
        var floats = Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray();
        var bytes = Serializer.SerializeToArray(floats);
        Assert.InRange(bytes.Length, 4000, 4010);
        var raw = MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
        Assert.True(bytes.AsSpan().IndexOf(raw) >= 0);
        Assert.Equal(floats, Serializer.Deserialize<float[]>(bytes));
    }

    [Fact]
    public void SerializeToPooled_LargeArray_RoundTripsAndGoesBackToThePoolOnDispose()
    {
        var floats = Enumerable.Range(0, 100_000).Select(i => i * 0.25f).ToArray();
        var pooled = Serializer.SerializeToPooled(floats);
        Assert.Equal(Serializer.SerializeToArray(floats), pooled.Span.ToArray());
        Assert.Equal(floats, Serializer.Deserialize<float[]>(pooled.Span));

        pooled.Dispose();
        Assert.Equal(1, pooled.ReturnsToPool);
    }

    [Fact]
    public void DetachWritten_AfterWrites_HandsTheSameBytesOverAndLeavesTheWriterEmpty()
    {
        var writer = new PooledBufferWriter(16);
        var bytes = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);

        using var detached = writer.DetachWritten();
        Assert.Equal(bytes, detached.Span.ToArray());
        Assert.Equal(0, writer.WrittenCount);
        writer.Dispose();
        Assert.Equal(0, detached.ReturnsToPool);
    }

    [Fact]
    public void DetachWritten_WithAttachments_Throws()
    {
        using var writer = new PooledBufferWriter { AcceptsAttachments = true };
        writer.Attach(new byte[8], AttachmentKind.Bytes);
        Assert.Throws<InvalidOperationException>(() => writer.DetachWritten());
    }

    [Fact]
    public void Exception_KnownType_Rehydrated()
    {
        var original = new ArgumentOutOfRangeException("p", "too big");

        var copy = Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(original));

        // Its one-string constructor takes a parameter name: rebuilt through (message, inner), the message unchanged.
        Assert.IsType<ArgumentOutOfRangeException>(copy);
        Assert.Equal(original.Message, copy.Message);
    }

    [Fact]
    public void Exception_OneStringConstructorIsNotTheMessage_MessageKeptNotWrappedAgain()
    {
        var copy = Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(new NamedThingException("x")));

        // Before, the message went into the name parameter: "no thing named 'no thing named 'x''".
        var remote = Assert.IsType<RemoteGrainException>(copy);
        Assert.Equal("no thing named 'x'", remote.OriginalMessage);
        Assert.Contains(nameof(NamedThingException), remote.OriginalTypeName, StringComparison.Ordinal);
    }

    [Fact]
    public void Exception_UnloadableType_WrappedWithOriginalName()
    {
        var writer = new PooledBufferWriter();
        var w = new Writer(writer);
        w.WriteStartObject(0);
        w.WriteTag(0, WireType.LengthPrefixed);
        w.WriteString("Some.Missing.FancyException, NoSuchAssembly");
        w.WriteTag(1, WireType.LengthPrefixed);
        w.WriteString("it broke");
        w.WriteEndObject();
        w.Commit();
        var copy = Assert.IsType<RemoteGrainException>(Serializer.Deserialize<Exception>(writer.WrittenSpan));
        Assert.Equal("Some.Missing.FancyException, NoSuchAssembly", copy.OriginalTypeName);
        Assert.Equal("it broke", copy.OriginalMessage);
        writer.Dispose();
    }

    [Fact]
    public void TypeWithoutSerializer_FailsNamingTheType()
    {
        var error = Assert.Throws<SerializationException>(() => Serializer.SerializeToArray(new Version(1, 2)));
        Assert.Contains("System.Version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedInput_ThrowsSerializationException()
    {
        var bytes = Serializer.SerializeToArray(new ProfileV1("truncated", 1));
        Assert.Throws<SerializationException>(() => Serializer.Deserialize<ProfileV1>(bytes.AsSpan(0, bytes.Length - 3)));
    }
}
