using DistInfer.Grains.Routing;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class ExpertDispatcherTests
{
    private static ReplicaSlot[] Slots(params int[] outstanding)
    {
        var slots = new ReplicaSlot[outstanding.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = new ReplicaSlot($"m/0/0/{i}", 0, 0, i);
            slots[i].Begin(outstanding[i]);
        }

        return slots;
    }

    [Fact]
    public void Pick_DifferentOutstanding_ChoosesFewestOutstandingTokens()
    {
        var slots = Slots(5, 2, 7);

        Assert.Same(slots[1], ExpertDispatcher.Pick(slots));
    }

    [Fact]
    public void Pick_EqualOutstanding_ChoosesFewestDispatched()
    {
        var slots = Slots(9, 3, 0);
        slots[0].End(9);
        slots[1].End(3);

        // All idle now; replica 2 has been sent the fewest tokens.
        Assert.Same(slots[2], ExpertDispatcher.Pick(slots));
        slots[2].Begin(1);
        Assert.Same(slots[1], ExpertDispatcher.Pick(slots));
    }

    [Fact]
    public void Split_UnequalOutstanding_FillsTheLeastLoadedFirst()
    {
        var slots = Slots(0, 4, 1);

        var shares = ExpertDispatcher.Split(slots, 8);

        // Levels 0, 4, 1 filled with 8 tokens: 5 → (4 + 0), 4 → (0), 4 → (3 + 1); totals 5, 4, 4.
        Assert.Equal(8, shares.Sum());
        Assert.Equal([5, 0, 3], shares);
    }

    [Fact]
    public void Split_IdleReplicas_SplitsEvenly()
    {
        var shares = ExpertDispatcher.Split(Slots(0, 0, 0), 10);

        Assert.Equal([4, 3, 3], shares);
    }

    [Fact]
    public void End_AllTokensAnswered_NothingOutstanding()
    {
        var slot = Slots(6)[0];

        Assert.Equal(2, slot.End(4));
        Assert.Equal(0, slot.End(2));
        Assert.Equal(6, slot.Dispatched);
    }
}
