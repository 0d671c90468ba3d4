namespace DistInfer.Runtime.Tests.Grains;

public interface IWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>Returns once <paramref name="parties"/> calls are inside at the same time.</summary>
    Task<string> Rendezvous(string name, int parties);
}
