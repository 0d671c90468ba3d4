using DistInfer.Engine;

namespace DistInfer.Grains.Deployments;

/// <summary>What a deployed model may be called: the name keys its grains and is what API clients send as "model".</summary>
public static class ModelNames
{
    public const int MaxLength = 256;

    /// <summary>Throws naming the problem when <paramref name="name"/> cannot be deployed under.</summary>
    public static void Validate(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            // An empty name deployed and held memory, yet no HTTP request could name it.
            throw new DistInferException("the model name is empty; give one (distinfer deploy --name, distinfer-silo --model-name; API clients send it as \"model\")");
        }

        if (name.Length > MaxLength)
        {
            throw new DistInferException($"the model name is {name.Length} characters long; at most {MaxLength}");
        }

        if (name.Trim().Length != name.Length)
        {
            throw new DistInferException($"the model name '{name}' starts or ends with white space");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsControl(c) || char.IsSurrogate(c))
            {
                throw new DistInferException($"the model name has a control character or an unpaired surrogate (U+{(int)c:X4} at {i})");
            }
        }
    }
}
