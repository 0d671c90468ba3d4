namespace DistInfer.Runtime.Tests.Grains;

/// <summary>Large immutable payloads: arguments and results that go out as frame attachments (no copy).</summary>
public interface IPayloadGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();

    Task<long> Checksum([Immutable] byte[] data);

    Task<double> FloatSum([Immutable] float[] data);

    /// <summary>Two attachments with a plain field between them, in one frame.</summary>
    Task<string> Describe([Immutable] byte[] first, int middle, [Immutable] float[] second);

    [return: Immutable]
    Task<byte[]> Reversed([Immutable] byte[] data);
}
