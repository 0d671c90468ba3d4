using System.Collections.Concurrent;
using System.Text;

namespace DistInfer.Silo.Http.ChatTemplates;

/// <summary>
/// A model's Jinja chat template when it stays within the supported subset (see <see cref="TemplateParser"/>);
/// <see cref="TryGet"/> returns null for the others, which then use the default role-tagged template. Variables:
/// messages (each with role and content), add_generation_prompt (true), bos_token, eos_token; loop.first,
/// loop.last, loop.index, loop.index0 inside loops.
/// </summary>
internal sealed class ChatTemplate
{
    private static readonly ConcurrentDictionary<string, (ChatTemplate? Template, string? Unsupported)> Compiled = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<TemplateNode> _nodes;

    private ChatTemplate(IReadOnlyList<TemplateNode> nodes) => _nodes = nodes;

    public static ChatTemplate? TryGet(string source) => Compile(source).Template;

    /// <summary>What of <paramref name="source"/> lies outside the supported subset (for the log), or null when nothing does.</summary>
    public static string? Unsupported(string source) => Compile(source).Unsupported;

    private static (ChatTemplate? Template, string? Unsupported) Compile(string source) => Compiled.GetOrAdd(source, static s =>
    {
        try
        {
            return (new ChatTemplate(TemplateParser.Parse(s)), null);
        }
        catch (NotSupportedException e)
        {
            return (null, e.Message);
        }
    });

    /// <summary>The prompt text; throws <see cref="NotSupportedException"/> if rendering meets something unsupported.</summary>
    public string Render(IReadOnlyList<(string Role, string Content)> messages, string bosToken, string eosToken)
    {
        var list = new List<object?>(messages.Count);
        foreach (var (role, content) in messages)
        {
            list.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = role, ["content"] = content });
        }

        var scope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = list,
            ["add_generation_prompt"] = true,
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
        };
        var output = new StringBuilder();
        Render(_nodes, scope, output);
        return output.ToString();
    }

    private static void Render(IReadOnlyList<TemplateNode> nodes, Dictionary<string, object?> scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TemplateNode.Text t:
                    output.Append(t.Value);
                    break;
                case TemplateNode.Output o:
                    output.Append(Text(Evaluate(o.Expression, scope)));
                    break;
                case TemplateNode.For f:
                    var items = Evaluate(f.Items, scope) as List<object?> ?? throw new NotSupportedException("for over a non-list");
                    var savedVariable = Save(scope, f.Variable);
                    var savedLoop = Save(scope, "loop");
                    for (var i = 0; i < items.Count; i++)
                    {
                        scope[f.Variable] = items[i];
                        scope["loop"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                        {
                            ["first"] = i == 0,
                            ["last"] = i == items.Count - 1,
                            ["index"] = (long)(i + 1),
                            ["index0"] = (long)i,
                            ["length"] = (long)items.Count,
                        };
                        Render(f.Body, scope, output);
                    }

                    // As Jinja's loop scope: names the loop bound are undefined after it unless they were before.
                    Restore(scope, f.Variable, savedVariable);
                    Restore(scope, "loop", savedLoop);
                    break;
                case TemplateNode.If c:
                    var taken = false;
                    foreach (var (condition, body) in c.Branches)
                    {
                        if (Truthy(Evaluate(condition, scope)))
                        {
                            Render(body, scope, output);
                            taken = true;
                            break;
                        }
                    }

                    if (!taken)
                    {
                        Render(c.Else, scope, output);
                    }

                    break;
            }
        }
    }

    private static object? Evaluate(TemplateExpression e, Dictionary<string, object?> scope) => e switch
    {
        TemplateExpression.Literal l => l.Value,
        TemplateExpression.Name n => scope.GetValueOrDefault(n.Identifier, Undefined.Value),
        TemplateExpression.Item i => Index(Evaluate(i.Target, scope), Evaluate(i.Key, scope)),
        TemplateExpression.Not n => !Truthy(Evaluate(n.Operand, scope)),
        TemplateExpression.Test { Kind: "defined" } t => Evaluate(t.Operand, scope) is not Undefined,
        TemplateExpression.Test { Kind: "trim" } t => Text(Evaluate(t.Operand, scope)).Trim(),
        TemplateExpression.Binary { Operator: "and" } b => Truthy(Evaluate(b.Left, scope)) && Truthy(Evaluate(b.Right, scope)),
        TemplateExpression.Binary { Operator: "or" } b => Truthy(Evaluate(b.Left, scope)) || Truthy(Evaluate(b.Right, scope)),
        TemplateExpression.Binary { Operator: "==" } b => Equals(Evaluate(b.Left, scope), Evaluate(b.Right, scope)),
        TemplateExpression.Binary { Operator: "!=" } b => !Equals(Evaluate(b.Left, scope), Evaluate(b.Right, scope)),
        TemplateExpression.Binary { Operator: "+" } b => (Evaluate(b.Left, scope), Evaluate(b.Right, scope)) switch
        {
            (long x, long y) => x + y,
            var (x, y) => Text(x) + Text(y),
        },
        TemplateExpression.Binary { Operator: "~" } b => Text(Evaluate(b.Left, scope)) + Text(Evaluate(b.Right, scope)),
        _ => throw new NotSupportedException(e.ToString()),
    };

    private static (bool Defined, object? Value) Save(Dictionary<string, object?> scope, string name) =>
        scope.TryGetValue(name, out var value) ? (true, value) : (false, null);

    private static void Restore(Dictionary<string, object?> scope, string name, (bool Defined, object? Value) saved)
    {
        if (saved.Defined)
        {
            scope[name] = saved.Value;
        }
        else
        {
            scope.Remove(name);
        }
    }

    private static object? Index(object? target, object? key) => (target, key) switch
    {
        (Dictionary<string, object?> d, string k) => d.TryGetValue(k, out var v) ? v : Undefined.Value,
        (List<object?> l, long n) when n < l.Count && n >= -l.Count => l[(int)(n < 0 ? l.Count + n : n)],
        _ => Undefined.Value,
    };

    private static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        string s => s.Length > 0,
        long n => n != 0,
        List<object?> l => l.Count > 0,
        _ => true,
    };

    // As Jinja: an undefined name prints nothing, none prints "None".
    private static string Text(object? v) => v switch
    {
        Undefined => "",
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException("printing a list or mapping"),
    };

    private sealed class Undefined
    {
        public static readonly Undefined Value = new();
    }
}
