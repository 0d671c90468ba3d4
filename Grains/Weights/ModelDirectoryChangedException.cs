using DistInfer.Engine;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A model directory was rewritten on its silo while another silo shipped it: what arrived may mix the old and the
/// new checkpoint, so none of it is kept.
/// </summary>
public sealed class ModelDirectoryChangedException : DistInferException
{
    public ModelDirectoryChangedException()
        : base("a model directory changed on disk while being shipped; deploy again")
    {
    }

    /// <summary>The (message) constructor lets the exception travel between silos under its own type.</summary>
    public ModelDirectoryChangedException(string message)
        : base(message)
    {
    }

    public ModelDirectoryChangedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public static ModelDirectoryChangedException For(string modelPath, Exception? cause = null)
    {
        var message = $"model directory {modelPath} changed on disk while being shipped; deploy again";
        return cause is null ? new(message) : new(message, cause);
    }
}
