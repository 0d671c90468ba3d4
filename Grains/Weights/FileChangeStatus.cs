using System.Runtime.InteropServices;

namespace DistInfer.Grains.Weights;

/// <summary>
/// A file's inode and status-change time (Linux <c>statx</c>). A copy that keeps size and modification time
/// (<c>cp -p</c>, <c>rsync -a</c>) still changes these: writing moves the change time, which no call can set back,
/// and a file renamed over the old one has another inode. Where <c>statx</c> is missing both read as zero, and only
/// size and modification time tell a rewrite.
/// </summary>
internal static unsafe partial class FileChangeStatus
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const uint StatxCtime = 0x80;
    private const int BufferBytes = 256;

    // struct statx is the same on every architecture: these are its field offsets.
    private const int MaskOffset = 0;
    private const int InodeOffset = 32;
    private const int ChangeTimeOffset = 96;

    private static bool s_unavailable;

    /// <summary>The file's inode and change time in nanoseconds since the epoch, or zeros when the system cannot tell.</summary>
    public static (long Inode, long ChangeNanoseconds) Get(string path)
    {
        if (Volatile.Read(ref s_unavailable) || !OperatingSystem.IsLinux())
        {
            return default;
        }

        var buffer = stackalloc byte[BufferBytes];
        try
        {
            // Symbolic links are followed: a snapshot directory of links into a blob store changes with its targets.
            if (Statx(AtFdCwd, path, 0, StatxIno | StatxCtime, buffer) != 0)
            {
                // Gone between the listing and this call: the next listing shows it.
                return default;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_unavailable, true);
            return default;
        }

        var mask = *(uint*)(buffer + MaskOffset);
        var inode = (mask & StatxIno) != 0 ? *(long*)(buffer + InodeOffset) : 0;
        var changed = (mask & StatxCtime) != 0
            ? (*(long*)(buffer + ChangeTimeOffset) * 1_000_000_000L) + *(uint*)(buffer + ChangeTimeOffset + 8)
            : 0;
        return (inode, changed);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryDescriptor, string path, int flags, uint mask, byte* buffer);
}
