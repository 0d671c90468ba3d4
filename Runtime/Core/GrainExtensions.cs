using DistInfer.Runtime.Invocation;

namespace DistInfer.Runtime;

/// <summary>Key accessors for grains and references (Orleans' extension methods).</summary>
public static class GrainExtensions
{
    public static GrainId GetGrainId(this IAddressable grain) => grain switch
    {
        Grain g => g.GrainId,
        GrainReference r => r.GrainId,
        _ => throw new ArgumentException($"{grain.GetType().Name} is neither a grain nor a grain reference", nameof(grain)),
    };

    public static string GetPrimaryKeyString(this IAddressable grain) => grain.GetGrainId().Key;

    public static long GetPrimaryKeyLong(this IAddressable grain) => GrainKeys.ToLong(grain.GetGrainId().Key, out _);

    public static long GetPrimaryKeyLong(this IAddressable grain, out string? keyExtension) =>
        GrainKeys.ToLong(grain.GetGrainId().Key, out keyExtension);

    public static Guid GetPrimaryKey(this IAddressable grain) => GrainKeys.ToGuid(grain.GetGrainId().Key, out _);

    public static Guid GetPrimaryKey(this IAddressable grain, out string? keyExtension) =>
        GrainKeys.ToGuid(grain.GetGrainId().Key, out keyExtension);

    /// <summary>A reference to this grain, to hand to other grains.</summary>
    public static T AsReference<T>(this Grain grain)
        where T : IAddressable => grain.GrainFactory.GetGrain<T>(grain.GrainId);
}
