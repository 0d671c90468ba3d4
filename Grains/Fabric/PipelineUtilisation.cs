namespace DistInfer.Grains.Fabric;

/// <summary>Pipeline utilisation from the busy intervals stages record (<see cref="StageStatus"/>).</summary>
public static class PipelineUtilisation
{
    /// <summary>Busy time within [from, to) over to - from (a stage's intervals never overlap each other).</summary>
    public static double Of(long[] starts, long[] ends, long fromTicks, long toTicks)
    {
        if (toTicks <= fromTicks)
        {
            return 0;
        }

        long busy = 0;
        for (var i = 0; i < starts.Length; i++)
        {
            var start = Math.Max(starts[i], fromTicks);
            var end = Math.Min(ends[i], toTicks);
            busy += Math.Max(0, end - start);
        }

        return (double)busy / (toTicks - fromTicks);
    }

    /// <summary>Busy fraction of one stage across the span its recorded intervals cover.</summary>
    public static double Of(long[] starts, long[] ends) =>
        starts.Length == 0 ? 0 : Of(starts, ends, starts[0], ends[^1]);

    /// <summary>Busy fraction of a stage within [from, to) in UTC ticks.</summary>
    public static double Of(StageStatus stage, long fromTicks, long toTicks) => Of(stage.BusyStartTicks, stage.BusyEndTicks, fromTicks, toTicks);

    /// <summary>How long two stages were busy at the same time (intervals in time order).</summary>
    public static TimeSpan Overlap(StageStatus a, StageStatus b)
    {
        long both = 0;
        int i = 0, j = 0;
        while (i < a.BusyStartTicks.Length && j < b.BusyStartTicks.Length)
        {
            var start = Math.Max(a.BusyStartTicks[i], b.BusyStartTicks[j]);
            var end = Math.Min(a.BusyEndTicks[i], b.BusyEndTicks[j]);
            both += Math.Max(0, end - start);
            if (a.BusyEndTicks[i] < b.BusyEndTicks[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return TimeSpan.FromTicks(both);
    }
}
