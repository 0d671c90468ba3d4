namespace DistInfer.Runtime.Serialization;

/// <summary>Sizes above which payload bytes take the no-copy paths.</summary>
public static class PayloadThresholds
{
    /// <summary>
    /// Immutable arrays at least this large are attached to the frame instead of copied: below it a copy costs less
    /// than the extra socket send segment.
    /// </summary>
    public const int AttachBytes = 32 * 1024;
}
