namespace DistInfer.Cli;

/// <summary>What `distinfer bench` runs: <see cref="Requests"/> generations, <see cref="Concurrency"/> at a time.</summary>
internal sealed record BenchSettings(string Gateway, string Model, int Concurrency, int Requests, int PromptTokens, int MaxNewTokens);
