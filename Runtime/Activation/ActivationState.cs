namespace DistInfer.Runtime.Activation;

internal enum ActivationState
{
    Creating,
    Activating,
    Valid,
    Deactivating,
    Invalid,
}
