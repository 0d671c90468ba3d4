namespace DistInfer.Runtime.Tests.Unit;

/// <summary>An exception whose one-string constructor takes a name, not the message (as ArgumentNullException's does).</summary>
public sealed class NamedThingException(string name) : Exception($"no thing named '{name}'");
