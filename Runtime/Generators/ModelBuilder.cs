using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace DistInfer.Runtime.Generators;

/// <summary>Turns symbols into plain models the emitter formats.</summary>
internal static class ModelBuilder
{
    private const string Ns = "DistInfer.Runtime.";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static string Display(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    public static bool IsAddressableInterface(INamedTypeSymbol type) =>
        type.TypeKind == TypeKind.Interface && !type.IsGenericType
        && type.AllInterfaces.Any(i => i.ToDisplayString() == Ns + "IAddressable")
        && !IsMarker(type);

    public static bool IsMarker(INamedTypeSymbol type)
    {
        var name = type.ToDisplayString();
        return name.StartsWith(Ns, System.StringComparison.Ordinal) && type.GetMembers().Length == 0
            && (name == Ns + "IAddressable" || name == Ns + "IGrain" || name == Ns + "ISystemTarget" || name.StartsWith(Ns + "IGrainWith", System.StringComparison.Ordinal));
    }

    public static bool IsGrainClass(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsGenericType)
        {
            return false;
        }

        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            if (b.ToDisplayString() == Ns + "Grain")
            {
                return true;
            }
        }

        return false;
    }

    public static InterfaceModel BuildInterface(INamedTypeSymbol type)
    {
        var model = new InterfaceModel { FullName = Display(type), SafeName = Safe(type.ToDisplayString()) };
        var all = new[] { type }.Concat(type.AllInterfaces.Where(i => !IsMarker(i) && i.AllInterfaces.Any(x => x.ToDisplayString() == Ns + "IAddressable")));
        foreach (var iface in all)
        {
            foreach (var method in iface.GetMembers().OfType<IMethodSymbol>())
            {
                if (method.MethodKind == MethodKind.Ordinary && !method.IsStatic)
                {
                    model.Methods.Add(BuildMethod(iface, method));
                }
            }
        }

        return model;
    }

    public static SerializableModel BuildSerializable(INamedTypeSymbol type)
    {
        var model = new SerializableModel
        {
            FullName = Display(type),
            SafeName = Safe(type.ToDisplayString()),
            IsValueType = type.IsValueType,
            IsImmutable = HasAttribute(type, "ImmutableAttribute"),
        };
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                var id = IdOf(member);
                if (id is null || model.Members.Any(m => m.Name == member.Name))
                {
                    continue;
                }

                if (member is IPropertySymbol p)
                {
                    model.Members.Add(new MemberModel(id.Value, p.Name, Display(p.Type), p.SetMethod is { IsInitOnly: false }) { InitOnly = p.SetMethod is { IsInitOnly: true } });
                }
                else if (member is IFieldSymbol f)
                {
                    model.Members.Add(new MemberModel(id.Value, f.Name, Display(f.Type), !f.IsReadOnly));
                }
            }
        }

        // Prefer the constructor covering the most members by parameter name (positional records).
        IMethodSymbol? best = null;
        foreach (var ctor in type.InstanceConstructors)
        {
            if (ctor.DeclaredAccessibility == Accessibility.Private
                || !ctor.Parameters.All(p => model.Members.Any(m => string.Equals(m.Name, p.Name, System.StringComparison.OrdinalIgnoreCase))))
            {
                continue;
            }

            if (ctor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(ctor.Parameters[0].Type, type))
            {
                continue; // record copy constructor
            }

            if (best is null || ctor.Parameters.Length > best.Parameters.Length)
            {
                best = ctor;
            }
        }

        if (best is not null)
        {
            foreach (var p in best.Parameters)
            {
                var member = model.Members.First(m => string.Equals(m.Name, p.Name, System.StringComparison.OrdinalIgnoreCase));
                member.FromConstructor = true;
                model.ConstructorMembers.Add(member.Name);
            }
        }

        return model;
    }

    public static string Safe(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static MethodModel BuildMethod(INamedTypeSymbol iface, IMethodSymbol method)
    {
        var model = new MethodModel
        {
            Name = method.Name,
            DeclaringInterface = Display(iface),
            ReturnType = Display(method.ReturnType),
            IsGeneric = method.IsGenericMethod,
            IsOneWay = HasAttribute(method, "OneWayAttribute"),
            IsAlwaysInterleave = HasAttribute(method, "AlwaysInterleaveAttribute"),
            Location = method.Locations.FirstOrDefault(),
        };
        var timeout = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "ResponseTimeoutAttribute");
        if (timeout is not null && timeout.ConstructorArguments.Length == 1 && timeout.ConstructorArguments[0].Value is string text
            && System.TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            model.TimeoutTicks = span.Ticks;
        }

        var returnType = method.ReturnType as INamedTypeSymbol;
        var returnName = returnType?.ConstructedFrom.ToDisplayString() ?? string.Empty;
        if (method.ReturnsVoid)
        {
            model.ReturnKind = ReturnKind.Void;
        }
        else if (returnName == "System.Threading.Tasks.Task")
        {
            model.ReturnKind = ReturnKind.Task;
        }
        else if (returnName == "System.Threading.Tasks.ValueTask")
        {
            model.ReturnKind = ReturnKind.ValueTask;
        }
        else if (returnName == "System.Threading.Tasks.Task<TResult>" || returnName == "System.Threading.Tasks.ValueTask<TResult>")
        {
            model.ReturnKind = returnName.StartsWith("System.Threading.Tasks.Task", System.StringComparison.Ordinal) ? ReturnKind.TaskOfT : ReturnKind.ValueTaskOfT;
            model.ResultType = Display(returnType!.TypeArguments[0]);
            model.ResultImmutable = IsImmutable(returnType.TypeArguments[0], method.GetReturnTypeAttributes());
        }
        else
        {
            model.ReturnKind = ReturnKind.Unsupported;
        }

        var signature = method.Name + "(";
        foreach (var p in method.Parameters)
        {
            var type = Display(p.Type);
            signature += type + ",";
            model.Parameters.Add(new ParameterModel(
                p.Name,
                type,
                p.Type.ToDisplayString() == "System.Threading.CancellationToken",
                IsImmutable(p.Type, p.GetAttributes())));
        }

        model.MethodId = Fnv.Compute(signature + ")");
        return model;
    }

    private static bool IsImmutable(ITypeSymbol type, IEnumerable<AttributeData> attributes)
    {
        if (attributes.Any(a => a.AttributeClass?.Name == "ImmutableAttribute") || HasAttribute(type, "ImmutableAttribute"))
        {
            return true;
        }

        if (type.TypeKind == TypeKind.Enum || type.TypeKind == TypeKind.Interface && type.AllInterfaces.Any(i => i.ToDisplayString() == Ns + "IAddressable"))
        {
            return true;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Char:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return true;
        }

        var name = type.ToDisplayString();
        return name == "System.Guid" || name == "System.TimeSpan" || name == "System.Threading.CancellationToken"
            || name == Ns + "GrainId" || name == Ns + "Membership.SiloAddress" || name.EndsWith("?", System.StringComparison.Ordinal) && type.IsValueType && IsPrimitiveNullable(type);
    }

    private static bool IsPrimitiveNullable(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments[0].SpecialType != SpecialType.None;

    private static uint? IdOf(ISymbol member)
    {
        var attribute = member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Ns + "IdAttribute");
        return attribute?.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is uint id ? id : null;
    }

    private static bool HasAttribute(ISymbol symbol, string name) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.Name == name && a.AttributeClass.ContainingNamespace?.ToDisplayString() == "DistInfer.Runtime");
}
