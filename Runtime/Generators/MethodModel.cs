using System.Collections.Generic;

namespace DistInfer.Runtime.Generators;

internal sealed class MethodModel
{
    public string Name { get; set; } = string.Empty;

    public string DeclaringInterface { get; set; } = string.Empty;

    public ReturnKind ReturnKind { get; set; }

    public string ReturnType { get; set; } = string.Empty;

    public string ResultType { get; set; } = string.Empty;

    public bool ResultImmutable { get; set; }

    public List<ParameterModel> Parameters { get; } = new List<ParameterModel>();

    public bool IsOneWay { get; set; }

    public bool IsAlwaysInterleave { get; set; }

    public long? TimeoutTicks { get; set; }

    public bool IsGeneric { get; set; }

    public uint MethodId { get; set; }

    /// <summary>Where to report an unsupported signature.</summary>
    public Microsoft.CodeAnalysis.Location? Location { get; set; }
}
