namespace DistInfer.Silo;

/// <summary>
/// distinfer-silo's exit statuses, so scripts and supervisors tell a stop from a failure (systemd's
/// Restart=on-failure restarts on any non-zero status).
/// </summary>
internal static class SiloExitCodes
{
    /// <summary>Stopped gracefully (SIGTERM, Ctrl+C).</summary>
    public const int Stopped = 0;

    /// <summary>Could not start: bad option, port taken, membership table unreachable, model cache unusable, or the start-up deployment failed.</summary>
    public const int StartFailed = 1;

    /// <summary>
    /// The cluster declared this silo dead (it missed probes, e.g. paused or cut off) and it stopped: it must come back
    /// as a new silo, so its supervisor should restart it.
    /// </summary>
    public const int DeclaredDead = 3;
}
