namespace DistInfer.Runtime.Tests.Unit.Types;

[GenerateSerializer]
public sealed class Everything
{
    [Id(0)] public byte B { get; set; }
    [Id(1)] public short S { get; set; }
    [Id(2)] public int I { get; set; }
    [Id(3)] public long L { get; set; }
    [Id(4)] public ulong UL { get; set; }
    [Id(5)] public float F { get; set; }
    [Id(6)] public double D { get; set; }
    [Id(7)] public bool Flag { get; set; }
    [Id(8)] public char C { get; set; }
    [Id(9)] public string? Text { get; set; }
    [Id(10)] public Guid Id { get; set; }
    [Id(11)] public DateTime When { get; set; }
    [Id(12)] public TimeSpan Span { get; set; }
    [Id(13)] public DayOfWeek Day { get; set; }
    [Id(14)] public byte[]? Bytes { get; set; }
    [Id(15)] public float[]? Floats { get; set; }
    [Id(16)] public ReadOnlyMemory<byte> Memory { get; set; }
    [Id(17)] public int? Maybe { get; set; }
    [Id(18)] public List<ProfileV1>? Profiles { get; set; }
    [Id(19)] public GrainId Grain { get; set; }
}
