namespace DistInfer.Silo.Tests.Cluster;

public sealed class FreePortTests
{
    [Fact]
    public void Next_ManyCalls_NeverTheSamePortTwice()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1, 65535));
    }
}
