namespace DistInfer.Engine.Tokenization;

/// <summary>One BPE merge: its priority (lower merges first) and the id of the merged token.</summary>
internal readonly record struct MergeRule(int Rank, int Id);
