namespace DistInfer.Runtime.Messaging;

/// <summary>Receives what a connection decodes; called on the connection's read loop, so it must not block.</summary>
internal interface IConnectionHandler
{
    void OnMessage(Connection connection, in MessageHeader header, ReadOnlySpan<byte> body);

    /// <summary>A frame larger than the limit was skipped; the header's fixed part says which call it was.</summary>
    void OnOversizeMessage(Connection connection, in MessageHeader header, long length);

    void OnClosed(Connection connection, Exception? error);
}
