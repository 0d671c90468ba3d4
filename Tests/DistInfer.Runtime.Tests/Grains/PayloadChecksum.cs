namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Position-sensitive checksums, so a shifted or reordered payload does not pass.</summary>
public static class PayloadChecksum
{
    public static long Of(byte[] data) => Of(data.AsSpan());

    public static long Of(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            sum = (sum * 31) + data[i] + i;
        }

        return sum;
    }

    public static double Sum(float[] data)
    {
        double sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            sum += data[i] * ((i % 7) + 1);
        }

        return sum;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static float[] RandomFloats(int length, int seed)
    {
        var random = new Random(seed);
        var floats = new float[length];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)random.NextDouble();
        }

        return floats;
    }
}
