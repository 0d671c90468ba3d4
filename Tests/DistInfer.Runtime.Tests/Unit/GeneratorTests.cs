using System.Collections.Immutable;
using DistInfer.Runtime.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DistInfer.Runtime.Tests.Unit;

/// <summary>Runs the source generator on snippets: its output must compile, and bad signatures must be reported.</summary>
public sealed class GeneratorTests
{
    [Fact]
    public void Generate_InterfacesRecordsAndGrains_OutputCompilesWithoutErrors()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using DistInfer.Runtime;
            namespace Sample;
            public interface IBase : IGrainWithIntegerKey { Task<int> Get(); }
            public interface IShop : IBase
            {
                Task Put(string item, Order order, CancellationToken ct);
                ValueTask<List<Order>> All();
                ValueTask Clear();
                [OneWay] void Ping(int n);
                [AlwaysInterleave, ResponseTimeout("00:00:02")] Task<Dictionary<string, int[]>> Stats([Immutable] byte[] blob);
            }
            [GenerateSerializer] public sealed record Order([property: Id(0)] string Sku, [property: Id(1)] int Count) { [Id(2)] public double Price { get; init; } }
            public class Outer { [GenerateSerializer] public struct Inner { [Id(0)] public long Value; } }
            [Reentrant] public sealed class ShopGrain : Grain, IShop
            {
                public Task<int> Get() => Task.FromResult(1);
                public Task Put(string item, Order order, CancellationToken ct) => Task.CompletedTask;
                public ValueTask<List<Order>> All() => new(new List<Order>());
                public ValueTask Clear() => default;
                public void Ping(int n) { }
                public Task<Dictionary<string, int[]>> Stats(byte[] blob) => Task.FromResult(new Dictionary<string, int[]>());
            }
            """;
        var (output, generatorDiagnostics) = Run(source);
        Assert.Empty(generatorDiagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => e.ToString())));
        var generated = string.Join("\n", output.SyntaxTrees.Skip(1).Select(t => t.ToString()));
        Assert.Contains("Proxy_Sample_IShop", generated, StringComparison.Ordinal);
        Assert.Contains("Codec_Sample_Order", generated, StringComparison.Ordinal);
        Assert.Contains("Codec_Sample_Outer_Inner", generated, StringComparison.Ordinal);
        Assert.Contains("RegisterGrainClass(typeof(global::Sample.ShopGrain)", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_MethodReturningInt_ReportsDir001()
    {
        const string source = """
            using DistInfer.Runtime;
            namespace Sample;
            public interface IBad : IGrainWithStringKey { int Count(); }
            """;
        var (_, diagnostics) = Run(source);
        var error = Assert.Single(diagnostics);
        Assert.Equal("DIR001", error.Id);
        Assert.Contains("IBad.Count", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(Grain).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "GeneratorSample",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new GrainGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }
}
