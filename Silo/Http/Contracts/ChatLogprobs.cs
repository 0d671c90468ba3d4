namespace DistInfer.Silo.Http.Contracts;

/// <summary>A chat choice's logprobs: one entry per generated token.</summary>
public sealed class ChatLogprobs
{
    public IReadOnlyList<ChatTokenLogprob> Content { get; set; } = [];
}
