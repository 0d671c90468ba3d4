using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DistInfer.Runtime.Generators;

/// <summary>
/// Generates, for every grain interface (deriving from IAddressable), a proxy and one request/invoker class per
/// method; for every [GenerateSerializer] type a codec; and a module initializer registering them and the grain
/// classes of the compilation.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class GrainGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var types = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, _) => ctx.SemanticModel.GetDeclaredSymbol((TypeDeclarationSyntax)ctx.Node) as INamedTypeSymbol)
            .Where(static t => t is not null)
            .Collect();
        var combined = types.Combine(context.CompilationProvider);
        context.RegisterSourceOutput(combined, static (spc, pair) => Execute(spc, pair.Left!, pair.Right));
    }

    private static void Execute(SourceProductionContext context, ImmutableArray<INamedTypeSymbol?> symbols, Compilation compilation)
    {
        var seen = new HashSet<string>();
        var interfaces = new List<InterfaceModel>();
        var classes = new List<(string, List<string>)>();
        var serializables = new List<SerializableModel>();
        foreach (var symbol in symbols)
        {
            if (symbol is null || !seen.Add(symbol.ToDisplayString()) || symbol.DeclaredAccessibility == Accessibility.Private)
            {
                continue;
            }

            if (ModelBuilder.IsAddressableInterface(symbol))
            {
                var model = ModelBuilder.BuildInterface(symbol);
                interfaces.Add(model);
                foreach (var method in model.Methods)
                {
                    if (method.IsGeneric || method.ReturnKind == ReturnKind.Unsupported || (method.ReturnKind == ReturnKind.Void && !method.IsOneWay))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(Diagnostics.UnsupportedMethod, method.Location, symbol.Name, method.Name));
                    }
                }

                context.AddSource("Proxy_" + model.SafeName + ".g.cs", Emitter.EmitInterface(model));
            }
            else if (ModelBuilder.IsGrainClass(symbol))
            {
                var grainInterfaces = symbol.AllInterfaces
                    .Where(i => ModelBuilder.IsAddressableInterface(i))
                    .Select(ModelBuilder.Display)
                    .ToList();
                classes.Add((ModelBuilder.Display(symbol), grainInterfaces));
            }

            if (symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "DistInfer.Runtime.GenerateSerializerAttribute") && !symbol.IsGenericType)
            {
                var model = ModelBuilder.BuildSerializable(symbol);
                serializables.Add(model);
                context.AddSource("Codec_" + model.SafeName + ".g.cs", CodecEmitter.EmitCodec(model));
            }
        }

        if (interfaces.Count + classes.Count + serializables.Count > 0)
        {
            var assembly = ModelBuilder.Safe(compilation.AssemblyName ?? "Assembly");
            context.AddSource("GeneratedRegistration.g.cs", Emitter.EmitRegistration(assembly, interfaces, classes, serializables));
        }
    }
}
