namespace DistInfer.Silo.Http.ChatTemplates;

/// <summary>A node of a parsed chat template: text, an output expression, a for loop or an if chain.</summary>
internal abstract record TemplateNode
{
    public sealed record Text(string Value) : TemplateNode;

    public sealed record Output(TemplateExpression Expression) : TemplateNode;

    public sealed record For(string Variable, TemplateExpression Items, IReadOnlyList<TemplateNode> Body) : TemplateNode;

    public sealed record If(IReadOnlyList<(TemplateExpression Condition, IReadOnlyList<TemplateNode> Body)> Branches, IReadOnlyList<TemplateNode> Else) : TemplateNode;
}
