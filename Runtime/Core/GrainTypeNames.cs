using System.Collections.Concurrent;

namespace DistInfer.Runtime;

/// <summary>Interns grain type strings so GrainId equality mostly hits the reference-equality fast path.</summary>
public static class GrainTypeNames
{
    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);

    public static string Intern(string name) => Names.GetOrAdd(name, name);
}
