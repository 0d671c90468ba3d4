using System.Globalization;
using DistInfer.Engine;

namespace DistInfer.Grains;

/// <summary>
/// A step brought sequences new to a stage that holds as many KV caches as it may (a GPU stage's slots, or
/// <see cref="Fabric.FabricOptions.StageMaxSequences"/>), as when several gateways' batchers share one pipeline
/// replica. Thrown before the step touches any cache; the executor runs the step with as many new sequences as there
/// is <see cref="Room"/> for, and the others wait in their batcher's queue
/// (<see cref="Engine.Serving.SequencesDeferredException"/>).
/// </summary>
public sealed class StageFullException(string message) : DistInferException(message)
{
    private const string RoomFor = "has room for ";

    /// <summary>New sequences the stage had room for when it refused (it travels in the message, as exceptions do).</summary>
    public int Room
    {
        get
        {
            var at = Message.IndexOf(RoomFor, StringComparison.Ordinal);
            if (at < 0)
            {
                return 0;
            }

            var digits = Message.AsSpan(at + RoomFor.Length);
            var length = 0;
            while (length < digits.Length && char.IsAsciiDigit(digits[length]))
            {
                length++;
            }

            return int.TryParse(digits[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var room) ? room : 0;
        }
    }

    public static StageFullException Create(string stage, int held, int room, int fresh, string limit) =>
        new($"stage {stage} holds the KV caches of {held} sequences and {RoomFor}{room} more; the step brings {fresh} new ones ({limit})");
}
