using System.Text;

namespace DistInfer.Runtime.Tests.Unit;

public sealed class GrainTypeNamesTests
{
    [Fact]
    public void Intern_Utf8OfKnownName_ReturnsTheInternedInstance()
    {
        var name = GrainTypeNames.Intern(new string("Tests.Known.Grain".ToCharArray()));
        Assert.Same(name, GrainTypeNames.Intern(Encoding.UTF8.GetBytes("Tests.Known.Grain")));
    }

    [Fact]
    public void Intern_Utf8OfNewOrLongName_InternedOnFirstSight()
    {
        var text = "Tests.Ünïcode." + new string('x', 300);
        var first = GrainTypeNames.Intern(Encoding.UTF8.GetBytes(text));
        Assert.Equal(text, first);
        Assert.Same(first, GrainTypeNames.Intern(text));
        Assert.Same(string.Empty, GrainTypeNames.Intern(ReadOnlySpan<byte>.Empty));
    }
}
