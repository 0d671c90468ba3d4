namespace DistInfer.Runtime;

/// <summary>Why an activation is being deactivated (passed to OnDeactivateAsync).</summary>
public readonly record struct DeactivationReason(DeactivationReasonCode ReasonCode, string Description);
