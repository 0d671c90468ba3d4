namespace DistInfer.Silo.Http.Contracts;

/// <summary>A generated token: its text, log-probability, UTF-8 bytes, and the most likely tokens at its position.</summary>
public sealed class ChatTokenLogprob
{
    public string Token { get; set; } = "";
    public double Logprob { get; set; }

    /// <summary>The token's raw bytes (a token may hold part of a character, which its text cannot show).</summary>
    public IReadOnlyList<int> Bytes { get; set; } = [];

    /// <summary>Best first; as many as top_logprobs asked for.</summary>
    public IReadOnlyList<ChatTopLogprob> TopLogprobs { get; set; } = [];
}
