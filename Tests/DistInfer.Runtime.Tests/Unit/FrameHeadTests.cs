using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Serialization;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>
/// The attachment table of a frame's head, read before the cluster handshake: a forged count must not make the
/// receiver allocate far more than the sender sent (a count up to the frame length allocated a table of 8 bytes an
/// entry, about 2 GiB for a 256 MiB frame, on every read of an incomplete head).
/// </summary>
public sealed class FrameHeadTests
{
    [Fact]
    public void TryReadHead_CountBeyondTwoBytesAnEntry_ThrowsNamingIt()
    {
        var head = Head(count: 200_000_000);

        var error = Assert.Throws<SerializationException>(() => FrameCodec.TryReadHead(head, 256 << 20, out _, out _));

        Assert.Contains("200000000 attachments", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadHead_PlausibleCountEntriesNotYetReceived_IncompleteWithoutAllocatingTheTable()
    {
        var head = Head(count: 1_000_000);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var complete = FrameCodec.TryReadHead(head, 16 << 20, out _, out _);

        Assert.False(complete);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "the table was allocated before its entries arrived");
    }

    /// <summary>A frame head up to its attachment count: fixed header, two empty strings, the count as a varint.</summary>
    private static byte[] Head(ulong count)
    {
        var bytes = new List<byte>(new byte[FrameCodec.FixedHeaderSize]) { 0, 0, 0, 0 };
        while (count >= 0x80)
        {
            bytes.Add((byte)(count | 0x80));
            count >>= 7;
        }

        bytes.Add((byte)count);
        return [.. bytes];
    }
}
