namespace DistInfer.Runtime.Cluster;

/// <summary>
/// Reads the silo's accelerators at each statistics refresh (the engine plugs in its GPU query here); register
/// with AddAcceleratorInfo. A reader that throws publishes no accelerators for that refresh.
/// </summary>
public sealed class AcceleratorInfoSource(Func<IReadOnlyList<AcceleratorInfo>> read)
{
    public IReadOnlyList<AcceleratorInfo> Read()
    {
        try
        {
            return read();
        }
        catch (Exception)
        {
            // A failing device query must not stop the silo's heartbeat of statistics.
            return [];
        }
    }
}
