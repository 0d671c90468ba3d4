namespace DistInfer.Runtime.Messaging;

/// <summary>The connection to the silo (or gateway) is lost or cannot be made; calls in flight fail at once.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException(string message)
        : base(message)
    {
    }

    public SiloUnavailableException()
    {
    }

    public SiloUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private const string StorageDownNote = "the cluster cannot declare that silo dead while its membership storage is unreachable";

    /// <summary>
    /// <paramref name="e"/> with why nothing will move the lost silo's work: membership storage cannot be read
    /// (<paramref name="problem"/>), so the silo cannot be declared dead until it is back.
    /// </summary>
    public static SiloUnavailableException WhileStorageDown(SiloUnavailableException e, string problem)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new($"{e.Message}; {StorageDownNote} ({problem}): retry once it is back", e);
    }

    /// <summary>Whether <paramref name="e"/> (possibly rebuilt from a remote silo's answer) came from <see cref="WhileStorageDown"/>.</summary>
    public static bool IsWhileStorageDown(Exception e) =>
        e is SiloUnavailableException && e.Message.Contains(StorageDownNote, StringComparison.Ordinal);
}
