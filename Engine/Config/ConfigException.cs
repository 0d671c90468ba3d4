namespace DistInfer.Engine.Config;

/// <summary>A config.json that is missing a field, has a bad value, or asks for something unsupported.</summary>
public sealed class ConfigException : DistInferException
{
    public ConfigException(string message) : base(message) { }

    public ConfigException(string message, Exception inner) : base(message, inner) { }
}
