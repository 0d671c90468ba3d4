namespace DistInfer.Runtime.Generators;

internal sealed class MemberModel
{
    public MemberModel(uint id, string name, string type, bool settable)
    {
        Id = id;
        Name = name;
        Type = type;
        Settable = settable;
    }

    public uint Id { get; }

    public string Name { get; }

    public string Type { get; }

    public bool Settable { get; }

    public bool FromConstructor { get; set; }

    public bool InitOnly { get; set; }
}
