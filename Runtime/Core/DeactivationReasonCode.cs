namespace DistInfer.Runtime;

public enum DeactivationReasonCode
{
    None = 0,
    ApplicationRequested = 1,
    ActivationIdle = 2,
    ShuttingDown = 3,
    DirectoryConflict = 4,
}
