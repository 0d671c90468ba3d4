using DistInfer.Silo.Http.ChatTemplates;

namespace DistInfer.Silo.Tests;

public sealed class ChatTemplateTests
{
    private static readonly (string Role, string Content)[] Conversation = [("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello."), ("user", "Bye")];

    [Fact]
    public void Render_ChatMlTemplate_MatchesTransformersOutput()
    {
        const string Source = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

        var text = ChatTemplate.TryGet(Source)!.Render(Conversation, "<s>", "</s>");

        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Render_ZephyrStyleWithBlocksOnOwnLines_TrimBlocksAndLstripBlocksApply()
    {
        const string Source = """
            {% for message in messages %}
                {% if message['role'] == 'user' %}
            {{ '<|user|>\n' + message['content'] + eos_token }}
                {% elif message.role == 'system' %}
            {{ '<|system|>\n' + message['content'] + eos_token }}
                {% else %}
            {{ '<|assistant|>\n'  + message['content'] + eos_token }}
                {% endif %}
                {% if loop.last and add_generation_prompt %}
            {{ '<|assistant|>' }}
                {% endif %}
            {% endfor %}
            """;

        var text = ChatTemplate.TryGet(Source)!.Render(Conversation, "<s>", "</s>");

        Assert.Equal("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\nBye</s>\n<|assistant|>\n", text);
    }

    [Fact]
    public void Render_DashTrimmingAndBosAndNot_Applied()
    {
        const string Source = "{{- bos_token }}\n{%- for m in messages -%}\n  [{{ m.role }}] {{ m.content | trim }}{% if not loop.last %} | {% endif %}\n{%- endfor %}";

        var text = ChatTemplate.TryGet(Source)!.Render([("user", "  a  "), ("assistant", "b")], "<s>", "</s>");

        Assert.Equal("<s>[user] a | [assistant] b", text);
    }

    /// <summary>A ChatML template as recent transformers save it in chat_template.jinja: one block per line, newlines inside strings, a final newline.</summary>
    public const string ChatMlJinja = """
        {%- for message in messages %}
            {%- if loop.first and message['role'] != 'system' %}
                {{- '<|im_start|>system
        You are a helpful assistant.<|im_end|>
        ' }}
            {%- endif %}
            {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
        {%- endif %}

        """;

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Render_ChatMlJinjaFile_AsTransformersRendersIt(string lineEnd)
    {
        var source = ChatMlJinja.Replace("\n", lineEnd, StringComparison.Ordinal);

        var text = ChatTemplate.TryGet(source)!.Render([("user", "Hi"), ("assistant", "Hello."), ("user", "Bye")], "<s>", "</s>");

        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Theory]
    [InlineData("{{ 'a' }}\n", "a")]
    [InlineData("{{ 'a' }}\n\n", "a\n")]
    [InlineData("a\r\nb\r\n", "a\nb")]
    public void Render_TrailingNewline_OneDroppedAsJinja(string source, string expected)
    {
        Assert.Equal(expected, ChatTemplate.TryGet(source)!.Render([("user", "x")], "", ""));
    }

    /// <summary>Expected values are what Jinja 3.1 renders with trim_blocks and lstrip_blocks, as transformers sets them.</summary>
    [Theory]
    [InlineData("{% for m in messages %}{{ m.role }}  {% if true %}X{% endif %}{% endfor %}|", "user  X|")]
    [InlineData("{{ 'a' }}\t{% for m in messages %}{{ m.content }}{% endfor %}", "a\tx")]
    [InlineData("  {% if true %}X{% endif %}|", "X|")]
    [InlineData("{% if true %}\n  {% if true %}X{% endif %}{% endif %}|", "X|")]
    [InlineData("A\n  {% if true %}X{% endif %}|", "A\nX|")]
    public void Render_LstripBlocks_OnlyWhitespaceFromTheLineStart(string source, string expected)
    {
        Assert.Equal(expected, ChatTemplate.TryGet(source)!.Render([("user", "x")], "", ""));
    }

    [Theory]
    [InlineData("A\n  {%+ if true %}X{% endif %}|", "A\n  X|")]
    [InlineData("{% if true +%}\nX{% endif %}|", "\nX|")]
    public void Render_PlusWhitespaceControl_DisablesLstripAndTrimBlocks(string source, string expected)
    {
        Assert.Equal(expected, ChatTemplate.TryGet(source)!.Render([("user", "x")], "", ""));
    }

    /// <summary>String literals unescape as Jinja's (Python's unicode-escape): \r is a carriage return, an unknown escape keeps its backslash.</summary>
    [Theory]
    [InlineData("{{ 'a\\rb' }}", "a\rb")]
    [InlineData("{{ 'a\\db' }}", "a\\db")]
    [InlineData("{{ 'a\\\\b' }}", "a\\b")]
    [InlineData("{{ 'a\\'b' }}", "a'b")]
    [InlineData("{{ \"a\\\"b\" }}", "a\"b")]
    public void Render_StringLiteralEscapes_AsJinja(string source, string expected)
    {
        Assert.Equal(expected, ChatTemplate.TryGet(source)!.Render([("user", "x")], "", ""));
    }

    [Fact]
    public void Render_PlusOnNumbersAndLoopScope_AsJinja()
    {
        const string Source = "{% for m in messages %}{{ loop.index + 1 }}{{ loop.index ~ 1 }}{% endfor %}{% if m is defined or loop is defined %}D{% endif %}|";

        Assert.Equal("211|", ChatTemplate.TryGet(Source)!.Render([("user", "x")], "", ""));
    }

    [Theory]
    [InlineData("{{ none }}|{{ None ~ 1 }}|{{ undefined_name }}|", "None|None1||")]
    [InlineData("{% if none %}X{% else %}Y{% endif %}", "Y")]
    public void Render_NoneAndUndefined_PrintAsJinja(string source, string expected)
    {
        Assert.Equal(expected, ChatTemplate.TryGet(source)!.Render([("user", "x")], "", ""));
    }

    [Fact]
    public void Unsupported_OutsideTheSubset_SaysWhat()
    {
        Assert.Equal("unsupported tag {% set %}", ChatTemplate.Unsupported("{% set x = 1 %}"));
        Assert.Null(ChatTemplate.Unsupported(ChatMlJinja));
    }

    [Theory]
    [InlineData("{% set x = 1 %}{{ x }}")]
    [InlineData("{{ raise_exception('no') }}")]
    [InlineData("{% for m in messages %}{{ m.content")]
    [InlineData("{{ messages | tojson }}")]
    public void TryGet_OutsideTheSubset_Null(string source)
    {
        Assert.Null(ChatTemplate.TryGet(source));
    }
}
