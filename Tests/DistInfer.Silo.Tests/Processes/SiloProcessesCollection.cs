namespace DistInfer.Silo.Tests.Processes;

/// <summary>Tests that start silo processes run one class at a time: a 2-core CI machine runs one cluster well.</summary>
[CollectionDefinition(Name)]
public sealed class SiloProcessesCollection
{
    public const string Name = "silo processes";
}
