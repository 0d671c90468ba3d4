namespace DistInfer.Runtime.Streams;

/// <summary>DI record of a configured stream provider name.</summary>
public sealed record StreamProviderRegistration(string Name);
