namespace DistInfer.Runtime.Serialization;

/// <summary>Whole-value helpers: a value is written as field 0 of an implicit top-level object.</summary>
public static class Serializer
{
    [ThreadStatic]
    private static PooledBufferWriter? _scratch;

    /// <summary>The value's bytes in pooled memory (dispose the buffer to give it back).</summary>
    public static PooledBuffer SerializeToPooled<T>(T value)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            Serialize(buffer, value);
            return buffer.DetachWritten();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    public static byte[] SerializeToArray<T>(T value)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            Serialize(buffer, value);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    public static void Serialize<T>(System.Buffers.IBufferWriter<byte> output, T value)
    {
        var writer = new Writer(output);
        Codec<T>.Instance.WriteField(ref writer, 0, value);
        writer.Commit();
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        T result = default!;
        while (!reader.IsAtEnd)
        {
            var field = reader.ReadTag();
            if (field.Id == 0 && !field.IsEnd)
            {
                result = Codec<T>.Instance.ReadValue(ref reader, field.WireType);
            }
            else
            {
                reader.SkipField(field.WireType);
            }
        }

        return result;
    }

    /// <summary>Deep copy through a serialization round trip; generated codecs use it for their DeepCopy.</summary>
    public static T RoundTripCopy<T>(T value)
    {
        var scratch = _scratch ??= new PooledBufferWriter();
        _scratch = null; // Re-entrancy safe: nested copies get their own buffer.
        try
        {
            scratch.Reset();
            Serialize(scratch, value);
            return Deserialize<T>(scratch.WrittenSpan);
        }
        finally
        {
            scratch.Reset();
            _scratch = scratch;
        }
    }
}
