using DistInfer.Grains;
using DistInfer.Grains.Weights;

namespace DistInfer.Cluster.Tests.Weights;

public sealed class WeightLoadTrackerTests
{
    [Fact]
    public void Tracker_ShipThenLoad_PublishesInOrderAndEndsAtHundredPercent()
    {
        var published = new List<WeightLoadProgress>();
        var tracker = new WeightLoadTracker("stage", "m/0/0", "silo", published.Add);

        tracker.Start(total: 1000, toFetch: 1000);
        for (var i = 0; i < 100; i++)
        {
            tracker.Fetched(10);
        }

        tracker.BeginLoading();
        for (var i = 0; i < 1000; i++)
        {
            tracker.Loaded(1);
        }

        tracker.Complete();

        Assert.InRange(published.Count, 4, 110);
        for (var i = 1; i < published.Count; i++)
        {
            Assert.True(published[i].IsAfter(published[i - 1]), $"report {i} does not move forward");
        }

        var last = published[^1];
        Assert.Equal(WeightLoadPhase.Loaded, last.Phase);
        Assert.Equal(1000, last.BytesLoaded);
        Assert.Equal(1000, last.BytesFetched);
        Assert.Equal(1.0, DeploymentProgress.Of(last));
        Assert.Contains(published, p => p.Phase == WeightLoadPhase.Fetching && p.BytesFetched == 500);
    }

    [Fact]
    public void Of_HalfShippedNothingLoaded_IsAQuarter()
    {
        var p = new WeightLoadProgress { Phase = WeightLoadPhase.Fetching, BytesTotal = 100, BytesToFetch = 100, BytesFetched = 50 };

        Assert.Equal(0.25, DeploymentProgress.Of(p));
    }
}
