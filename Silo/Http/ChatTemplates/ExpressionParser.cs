using System.Globalization;
using System.Text;

namespace DistInfer.Silo.Http.ChatTemplates;

/// <summary>
/// Recursive descent over: or, and, not, ==/!=, + and ~, "is [not] defined", "| trim", .attr, [key], literals,
/// names and parentheses. Anything else throws <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class ExpressionParser
{
    private readonly List<string> _tokens;
    private int _at;

    private ExpressionParser(List<string> tokens) => _tokens = tokens;

    public static TemplateExpression Parse(string text)
    {
        var parser = new ExpressionParser(Tokenize(text));
        var e = parser.Or();
        return parser._at == parser._tokens.Count ? e : throw new NotSupportedException($"unexpected '{parser._tokens[parser._at]}'");
    }

    private string? Peek => _at < _tokens.Count ? _tokens[_at] : null;

    private bool Accept(string token)
    {
        if (Peek == token)
        {
            _at++;
            return true;
        }

        return false;
    }

    private string Next() => _at < _tokens.Count ? _tokens[_at++] : throw new NotSupportedException("expression ends early");

    private TemplateExpression Or()
    {
        var left = And();
        while (Accept("or"))
        {
            left = new TemplateExpression.Binary("or", left, And());
        }

        return left;
    }

    private TemplateExpression And()
    {
        var left = NotExpression();
        while (Accept("and"))
        {
            left = new TemplateExpression.Binary("and", left, NotExpression());
        }

        return left;
    }

    private TemplateExpression NotExpression() => Accept("not") ? new TemplateExpression.Not(NotExpression()) : Comparison();

    private TemplateExpression Comparison()
    {
        var left = Additive();
        if (Peek is "==" or "!=")
        {
            var op = Next();
            return new TemplateExpression.Binary(op, left, Additive());
        }

        return left;
    }

    private TemplateExpression Additive()
    {
        var left = Postfix();
        while (Peek is "+" or "~")
        {
            // Kept apart: Jinja's + adds numbers (loop.index + 1), ~ always joins text.
            left = new TemplateExpression.Binary(Next(), left, Postfix());
        }

        return left;
    }

    private TemplateExpression Postfix()
    {
        var e = Primary();
        while (true)
        {
            if (Accept("."))
            {
                e = new TemplateExpression.Item(e, new TemplateExpression.Literal(Next()));
            }
            else if (Accept("["))
            {
                var key = Or();
                e = Accept("]") ? new TemplateExpression.Item(e, key) : throw new NotSupportedException("missing ]");
            }
            else if (Accept("|"))
            {
                var filter = Next();
                e = filter == "trim" ? new TemplateExpression.Test("trim", e) : throw new NotSupportedException($"filter {filter}");
            }
            else if (Accept("is"))
            {
                var negate = Accept("not");
                var test = Next();
                if (test != "defined")
                {
                    throw new NotSupportedException($"test {test}");
                }

                TemplateExpression t = new TemplateExpression.Test("defined", e);
                e = negate ? new TemplateExpression.Not(t) : t;
            }
            else
            {
                return e;
            }
        }
    }

    private TemplateExpression Primary()
    {
        var token = Next();
        if (token == "(")
        {
            var e = Or();
            return Accept(")") ? e : throw new NotSupportedException("missing )");
        }

        if (token[0] is '\'' or '"')
        {
            return new TemplateExpression.Literal(token[1..]);
        }

        if (char.IsAsciiDigit(token[0]) || (token[0] == '-' && token.Length > 1))
        {
            return new TemplateExpression.Literal(long.Parse(token, CultureInfo.InvariantCulture));
        }

        return token switch
        {
            "true" or "True" => new TemplateExpression.Literal(true),
            "false" or "False" => new TemplateExpression.Literal(false),
            "none" or "None" => new TemplateExpression.Literal(null),
            _ when char.IsAsciiLetter(token[0]) || token[0] == '_' => Peek == "(" ? throw new NotSupportedException($"call {token}") : new TemplateExpression.Name(token),
            _ => throw new NotSupportedException($"unexpected '{token}'"),
        };
    }

    /// <summary>Tokens; a string literal becomes its opening quote followed by its unescaped value.</summary>
    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var value = new StringBuilder().Append(c);
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        // As Jinja's (Python's) unescaping: an escape it does not know keeps its backslash ('\d' is two characters).
                        i++;
                        value.Append(text[i] switch
                        {
                            'n' => "\n",
                            't' => "\t",
                            'r' => "\r",
                            '\\' or '\'' or '"' => text[i].ToString(),
                            var other => "\\" + other,
                        });
                    }
                    else
                    {
                        value.Append(text[i]);
                    }

                    i++;
                }

                if (i >= text.Length)
                {
                    throw new NotSupportedException("unclosed string");
                }

                i++;
                tokens.Add(value.ToString());
            }
            else if (char.IsAsciiLetterOrDigit(c) || c == '_' || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && (tokens.Count == 0 || tokens[^1] is "[" or "(" or "==" or "!=")))
            {
                var start = i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else if (i + 1 < text.Length && text.AsSpan(i, 2) is "==" or "!=")
            {
                tokens.Add(text.Substring(i, 2));
                i += 2;
            }
            else if (c is '.' or '[' or ']' or '(' or ')' or '+' or '~' or '|')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                throw new NotSupportedException($"unexpected character '{c}'");
            }
        }

        return tokens;
    }
}
