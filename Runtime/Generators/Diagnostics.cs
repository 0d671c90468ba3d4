using Microsoft.CodeAnalysis;

namespace DistInfer.Runtime.Generators;

internal static class Diagnostics
{
    public static readonly DiagnosticDescriptor UnsupportedMethod = new(
        "DIR001",
        "Unsupported grain method",
        "Grain method {0}.{1} must be non-generic and return Task, Task<T>, ValueTask or ValueTask<T> (void only with [OneWay])",
        "DistInfer.Runtime",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
