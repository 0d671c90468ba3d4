using DistInfer.Runtime.Membership;

namespace DistInfer.Runtime.Tests.ClusterMembership;

public sealed class InMemoryMembershipTableTests : MembershipTableContractTests
{
    protected override Task<IMembershipTable> CreateTableAsync(string clusterId) =>
        Task.FromResult<IMembershipTable>(new InMemoryMembershipTable(clusterId));
}
