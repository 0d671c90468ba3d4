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
