using System.Collections.Generic;

namespace DistInfer.Runtime.Generators;

internal sealed class SerializableModel
{
    public string FullName { get; set; } = string.Empty;

    public string SafeName { get; set; } = string.Empty;

    public bool IsValueType { get; set; }

    public bool IsImmutable { get; set; }

    public List<MemberModel> Members { get; } = new List<MemberModel>();

    /// <summary>Constructor parameter order, as member names; empty means a parameterless constructor.</summary>
    public List<string> ConstructorMembers { get; } = new List<string>();
}
