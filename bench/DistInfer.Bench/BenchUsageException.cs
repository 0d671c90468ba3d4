namespace DistInfer.Bench;

/// <summary>Bad command line: printed as one line with the usage, exit code 2.</summary>
internal sealed class BenchUsageException(string message) : Exception(message);
