using System.CommandLine;
using DistInfer.Engine;
using DistInfer.Engine.Generation;

namespace DistInfer.Cli;

/// <summary>The sampling options shared by the generate and bench commands.</summary>
internal sealed class SamplingOptions
{
    public Option<int> MaxNewTokens { get; } = new("--max-new-tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 32 };
    public Option<int> MinNewTokens { get; } = new("--min-new-tokens") { Description = "ignore EOS until this many tokens were generated" };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "0 (default) is greedy" };
    public Option<int> TopK { get; } = new("--top-k") { Description = "sample among the k most likely tokens (0: all)" };
    public Option<float> TopP { get; } = new("--top-p") { Description = "nucleus sampling mass", DefaultValueFactory = _ => 1.0f };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "seed for repeatable sampling" };
    public Option<float> MinP { get; } = new("--min-p") { Description = "drop tokens below this fraction of the most likely one's probability (0: off)" };

    public Option<float> RepetitionPenalty { get; } = new("--repetition-penalty")
    {
        Description = "penalty on tokens already in the prompt or output (1: off; above 1 repeats less)",
        DefaultValueFactory = _ => 1.0f,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxNewTokens);
        command.Options.Add(MinNewTokens);
        command.Options.Add(Temperature);
        command.Options.Add(TopK);
        command.Options.Add(TopP);
        command.Options.Add(Seed);
        command.Options.Add(MinP);
        command.Options.Add(RepetitionPenalty);
    }

    public SamplingParams Read(ParseResult r)
    {
        // SamplingParams' own check names the API fields (max_new_tokens); here the user typed flags, so name those.
        var max = r.GetValue(MaxNewTokens);
        var min = r.GetValue(MinNewTokens);
        if (max < 0)
        {
            throw new DistInferException($"--max-new-tokens must be 0 or more (got {max})");
        }

        if (min < 0 || min > max)
        {
            throw new DistInferException($"--min-new-tokens must be from 0 to --max-new-tokens ({max}) (got {min})");
        }

        return new()
        {
            MaxNewTokens = max,
            MinNewTokens = min,
            Temperature = r.GetValue(Temperature),
            TopK = r.GetValue(TopK),
            TopP = r.GetValue(TopP),
            Seed = r.GetValue(Seed),
            MinP = r.GetValue(MinP),
            RepetitionPenalty = r.GetValue(RepetitionPenalty),
        };
    }
}
