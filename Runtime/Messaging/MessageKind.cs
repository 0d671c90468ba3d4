namespace DistInfer.Runtime.Messaging;

public enum MessageKind : byte
{
    Request = 1,
    Response = 2,
    OneWay = 3,
    Control = 4,
}
