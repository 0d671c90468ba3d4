namespace DistInfer.Runtime.Generators;

internal enum ReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
    Void,
    Unsupported,
}
