using System.Collections.Generic;

namespace DistInfer.Runtime.Generators;

internal sealed class InterfaceModel
{
    public string FullName { get; set; } = string.Empty;

    public string SafeName { get; set; } = string.Empty;

    public List<MethodModel> Methods { get; } = new List<MethodModel>();
}
