namespace DistInfer.Silo.Http.ChatTemplates;

/// <summary>
/// Parses the small Jinja subset simple Hugging Face chat templates use: text, {{ expr }}, {% for x in expr %},
/// {% if %}/{% elif %}/{% else %}, comments, '-' whitespace control, HF's trim_blocks/lstrip_blocks, and Jinja's
/// newline handling (\n line ends, no trailing newline). Anything else (set, macros, calls such as raise_exception)
/// throws <see cref="NotSupportedException"/>.
/// </summary>
internal static class TemplateParser
{
    private enum TagKind
    {
        Text,
        Output,
        Statement,
    }

    public static IReadOnlyList<TemplateNode> Parse(string template)
    {
        // As Jinja's lexer: line ends become \n, and one at the very end goes (keep_trailing_newline is off in
        // transformers), which a chat_template.jinja file usually ends with.
        template = template.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (template.EndsWith('\n'))
        {
            template = template[..^1];
        }

        var parts = Lex(template);
        var position = 0;
        var nodes = Block(parts, ref position, out var end);
        return end is null ? nodes : throw new NotSupportedException($"unexpected {{% {end} %}}");
    }

    private static List<TemplateNode> Block(List<(TagKind Kind, string Content)> parts, ref int position, out string? end)
    {
        var nodes = new List<TemplateNode>();
        while (position < parts.Count)
        {
            var (kind, content) = parts[position++];
            switch (kind)
            {
                case TagKind.Text:
                    if (content.Length > 0)
                    {
                        nodes.Add(new TemplateNode.Text(content));
                    }

                    break;
                case TagKind.Output:
                    nodes.Add(new TemplateNode.Output(ExpressionParser.Parse(content)));
                    break;
                default:
                    var keyword = content.Split(' ', 2)[0];
                    var rest = content.Length > keyword.Length ? content[(keyword.Length + 1)..].Trim() : "";
                    switch (keyword)
                    {
                        case "for":
                            var inAt = rest.IndexOf(" in ", StringComparison.Ordinal);
                            if (inAt <= 0)
                            {
                                throw new NotSupportedException("for without in");
                            }

                            var variable = rest[..inAt].Trim();
                            var items = ExpressionParser.Parse(rest[(inAt + 4)..]);
                            var body = Block(parts, ref position, out var forEnd);
                            if (forEnd != "endfor" || !IsIdentifier(variable))
                            {
                                throw new NotSupportedException("unsupported for loop");
                            }

                            nodes.Add(new TemplateNode.For(variable, items, body));
                            break;
                        case "if":
                            nodes.Add(If(parts, ref position, rest));
                            break;
                        case "endfor" or "endif" or "else" or "elif":
                            end = keyword == "elif" ? "elif " + rest : keyword;
                            return nodes;
                        default:
                            throw new NotSupportedException($"unsupported tag {{% {keyword} %}}");
                    }

                    break;
            }
        }

        end = null;
        return nodes;
    }

    private static TemplateNode.If If(List<(TagKind Kind, string Content)> parts, ref int position, string condition)
    {
        var branches = new List<(TemplateExpression, IReadOnlyList<TemplateNode>)>();
        var current = ExpressionParser.Parse(condition);
        while (true)
        {
            var body = Block(parts, ref position, out var end);
            branches.Add((current, body));
            if (end == "endif")
            {
                return new TemplateNode.If(branches, []);
            }

            if (end == "else")
            {
                var elseBody = Block(parts, ref position, out var elseEnd);
                return elseEnd == "endif" ? new TemplateNode.If(branches, elseBody) : throw new NotSupportedException("else without endif");
            }

            if (end is not null && end.StartsWith("elif ", StringComparison.Ordinal))
            {
                current = ExpressionParser.Parse(end[5..]);
                continue;
            }

            throw new NotSupportedException("if without endif");
        }
    }

    private static bool IsIdentifier(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(s[0]);

    /// <summary>Splits into text and tags, applying '-' trimming, trim_blocks and lstrip_blocks as HF configures Jinja.</summary>
    private static List<(TagKind Kind, string Content)> Lex(string template)
    {
        var parts = new List<(TagKind Kind, string Content)>();
        var text = new System.Text.StringBuilder();
        var i = 0;
        var trimNextText = false;
        var dropNextNewline = false;

        // As Jinja's lexer: whether the current text starts a line (template start, or right after a block tag whose
        // newline trim_blocks took). lstrip_blocks strips only whitespace that begins a line, not what follows a tag.
        var lineStarting = true;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            while (open >= 0 && open + 1 < template.Length && template[open + 1] is not ('{' or '%' or '#'))
            {
                open = template.IndexOf('{', open + 1);
            }

            if (open < 0 || open + 1 >= template.Length)
            {
                AddText(template[i..]);
                break;
            }

            AddText(template[i..open]);
            var marker = template[open + 1];
            var close = marker switch { '{' => "}}", '%' => "%}", _ => "#}" };
            var closeAt = template.IndexOf(close, open + 2, StringComparison.Ordinal);
            if (closeAt < 0)
            {
                throw new NotSupportedException("unclosed tag");
            }

            var inner = template[(open + 2)..closeAt];
            var trimLeft = inner.StartsWith('-');
            var trimRight = inner.EndsWith('-');

            // '+' turns lstrip_blocks off before the tag ({%+) and trim_blocks after it (+%}); read before the trim below.
            var keepLeft = inner.StartsWith('+');
            var keepRight = inner.EndsWith('+');
            inner = inner.Trim('-', '+').Trim();
            var isBlock = marker != '{';
            var previous = text.ToString();
            if (trimLeft)
            {
                previous = previous.TrimEnd();
            }
            else if (isBlock && !keepLeft)
            {
                // lstrip_blocks: whitespace between the line start and a block tag goes.
                var lineStart = previous.LastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && previous[lineStart..].All(c => c is ' ' or '\t'))
                {
                    previous = previous[..lineStart];
                }
            }

            parts.Add((TagKind.Text, previous));
            text.Clear();
            if (marker != '#')
            {
                parts.Add((marker == '{' ? TagKind.Output : TagKind.Statement, inner));
            }

            trimNextText = trimRight;
            dropNextNewline = isBlock && !keepRight; // trim_blocks: the newline right after a block tag goes
            lineStarting = false;
            i = closeAt + 2;
        }

        parts.Add((TagKind.Text, text.ToString()));
        return parts;

        void AddText(string s)
        {
            if (trimNextText)
            {
                s = s.TrimStart();
            }
            else if (dropNextNewline && s.StartsWith('\n'))
            {
                s = s[1..];
                lineStarting = true;
            }

            trimNextText = false;
            dropNextNewline = false;
            text.Append(s);
        }
    }
}
