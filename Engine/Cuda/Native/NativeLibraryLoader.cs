using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>
/// Finds a CUDA shared library by name: CUDA_HOME/lib64, CUDA_PATH/lib64, /usr/local/cuda/lib64, the driver's
/// folder, then the default search. Resolution happens at run time so the engine loads on machines without CUDA.
/// </summary>
internal static class NativeLibraryLoader
{
    private static readonly string[] FixedDirectories = ["/usr/local/cuda/lib64", "/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu"];

    public static IEnumerable<string> SearchDirectories()
    {
        foreach (var variable in new[] { "CUDA_HOME", "CUDA_PATH" })
        {
            var root = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(root))
            {
                yield return Path.Combine(root, "lib64");
            }
        }

        foreach (var dir in FixedDirectories)
        {
            yield return dir;
        }
    }

    /// <summary>Tries each file name in each directory, then each name through the default search.</summary>
    public static bool TryLoad(IReadOnlyList<string> fileNames, out nint handle, out string reason)
    {
        foreach (var dir in SearchDirectories())
        {
            foreach (var name in fileNames)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out handle))
                {
                    reason = string.Empty;
                    return true;
                }
            }
        }

        foreach (var name in fileNames)
        {
            if (NativeLibrary.TryLoad(name, out handle))
            {
                reason = string.Empty;
                return true;
            }
        }

        handle = 0;
        reason = $"{fileNames[0]} not found (looked in {string.Join(", ", SearchDirectories())} and the default library path)";
        return false;
    }

    /// <summary>The address of an exported function; a missing export is a <see cref="CudaException"/> naming it.</summary>
    public static nint Export(nint library, string libraryName, string symbol)
    {
        if (!NativeLibrary.TryGetExport(library, symbol, out var address))
        {
            throw new CudaException($"{libraryName} has no export {symbol} (CUDA version too old?)");
        }

        return address;
    }
}
