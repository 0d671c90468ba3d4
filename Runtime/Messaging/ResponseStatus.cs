namespace DistInfer.Runtime.Messaging;

public enum ResponseStatus : byte
{
    Ok = 0,
    Error = 1,
}
