namespace DistInfer.Runtime.Tests.Infrastructure;

/// <summary>A <see cref="RedisServerFixture"/> whose data survives restarts (appendonly yes).</summary>
public sealed class AppendOnlyRedisServerFixture : RedisServerFixture
{
    public override bool AppendOnly => true;
}
