namespace DistInfer.Grains;

/// <summary>
/// The silo asked for a generation's tokens does not run it: it finished, was cancelled or abandoned, or the client
/// now reaches another gateway than the one it started on (which then resumes it there).
/// </summary>
public sealed class GenerationNotFoundException(string message) : InvalidOperationException(message);
