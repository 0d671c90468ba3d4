namespace DistInfer.Silo.Tests;

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "silo";
}
