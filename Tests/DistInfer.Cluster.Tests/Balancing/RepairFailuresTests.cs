using System.Net.Sockets;
using DistInfer.Engine;
using DistInfer.Grains.Balancing;
using DistInfer.Runtime;
using DistInfer.Runtime.Messaging;
using DistInfer.Runtime.Serialization.Codecs;

namespace DistInfer.Cluster.Tests.Balancing;

public sealed class RepairFailuresTests
{
    [Fact]
    public void IsTransient_SocketErrorRebuiltByNameFromAnotherSilo_True()
    {
        var remote = new RemoteGrainException(ExceptionCodec<Exception>.TypeNameOf(typeof(SocketException)), "Connection refused", null);

        Assert.True(RepairFailures.IsTransient(remote));
    }

    [Fact]
    public void IsTransient_ReplicaSetConflict_TrueSinceANewPlanCanCommit()
    {
        Assert.True(RepairFailures.IsTransient(new ReplicaSetConflictException("model m: expert replica set is at version 3, not 2")));
    }

    [Fact]
    public void IsTransient_UnknownRemoteTypeOrBadInput_False()
    {
        Assert.False(RepairFailures.IsTransient(new RemoteGrainException("Some.Other.Error, Other", "boom", null)));
        Assert.False(RepairFailures.IsTransient(new DistInferException("checkpoint /m: config.json is missing")));
        Assert.False(RepairFailures.IsTransient(new InvalidOperationException("model m is not deployed")));
    }

    [Fact]
    public void IsTransient_LostSiloWrappedInAnother_True()
    {
        Assert.True(RepairFailures.IsTransient(new DistInferException("repair", new SiloUnavailableException("Cannot connect"))));
    }
}
