using Xunit.Abstractions;

namespace DistInfer.Gpu.TestRunner;

/// <summary>xunit's discovery and execution settings as a plain dictionary (the runner utility is not in the feed).</summary>
internal sealed class FrameworkOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
{
    private readonly Dictionary<string, object?> _values = [];

    public TValue GetValue<TValue>(string name) =>
        _values.TryGetValue(name, out var value) && value is TValue typed ? typed : default!;

    public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
}
