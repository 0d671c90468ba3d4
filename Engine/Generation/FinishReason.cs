namespace DistInfer.Engine.Generation;

/// <summary>Why a sequence stopped (OpenAI's names: stop, length; cancelled when the caller gave up).</summary>
public enum FinishReason
{
    Stop,
    Length,
    Cancelled,
}
