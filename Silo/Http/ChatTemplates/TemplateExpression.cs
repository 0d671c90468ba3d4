namespace DistInfer.Silo.Http.ChatTemplates;

/// <summary>An expression of the supported Jinja subset.</summary>
internal abstract record TemplateExpression
{
    public sealed record Literal(object? Value) : TemplateExpression;

    public sealed record Name(string Identifier) : TemplateExpression;

    /// <summary>x.name or x['name'] or x[0].</summary>
    public sealed record Item(TemplateExpression Target, TemplateExpression Key) : TemplateExpression;

    /// <summary>+ (addition of numbers, else concatenation), ~ (concatenation), ==, !=, and, or.</summary>
    public sealed record Binary(string Operator, TemplateExpression Left, TemplateExpression Right) : TemplateExpression;

    public sealed record Not(TemplateExpression Operand) : TemplateExpression;

    /// <summary>x | trim, x is defined, x is not defined.</summary>
    public sealed record Test(string Kind, TemplateExpression Operand) : TemplateExpression;
}
