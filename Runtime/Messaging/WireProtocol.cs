namespace DistInfer.Runtime.Messaging;

/// <summary>
/// The version of what silos and clients exchange: frame layout, control codes, generated interface and method ids,
/// and the codecs of the types they carry. Peers of another version get their calls refused with an error naming
/// both versions, and a silo of another version is left out of placement and the grain directory: a cluster runs
/// one DistInfer version (upgrade by replacing every silo; Orleans' per-interface versioning is not implemented).
/// </summary>
public static class WireProtocol
{
    /// <summary>
    /// Raised whenever a change makes old and new peers misread each other. 0 is what peers from before versioned
    /// greetings send.
    /// </summary>
    public const int Version = 1;

    internal static string Mismatch(string peer, long peerVersion, int localVersion) =>
        $"{peer} speaks wire protocol {peerVersion}{(peerVersion == 0 ? " (a DistInfer build from before versioned greetings)" : "")} " +
        $"but this side speaks {localVersion}: every silo and client of a cluster must run the same DistInfer version";
}
