namespace DistInfer.Cli;

/// <summary>
/// What `distinfer bench` runs: <see cref="Requests"/> generations, <see cref="Concurrency"/> at a time, after
/// <see cref="Warmup"/> unmeasured ones (first calls pay for JIT compilation and activations on the silos).
/// </summary>
internal sealed record BenchSettings(string Gateway, string Model, int Concurrency, int Requests, int PromptTokens, int MaxNewTokens, int Warmup = 0);
