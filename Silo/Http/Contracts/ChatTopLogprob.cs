namespace DistInfer.Silo.Http.Contracts;

/// <summary>One of the most likely tokens at a position.</summary>
public sealed class ChatTopLogprob
{
    public string Token { get; set; } = "";
    public double Logprob { get; set; }
    public IReadOnlyList<int> Bytes { get; set; } = [];
}
