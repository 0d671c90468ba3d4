namespace DistInfer.Silo.Http;

/// <summary>One of the most likely tokens at a position: its text, raw bytes and log-probability.</summary>
internal sealed record LogprobAlternative(string Token, byte[] Bytes, double LogProbability);
