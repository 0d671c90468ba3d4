namespace DistInfer.Runtime.Tests.Grains;

public interface IReentrantGrain : IGrainWithIntegerKey
{
    Task Hold(string gate);

    Task<int> Inside();
}
