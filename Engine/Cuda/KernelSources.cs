using System.Reflection;

namespace DistInfer.Engine.Cuda;

/// <summary>The CUDA C kernel sources embedded in the engine assembly (Engine/Cuda/Kernels/*.cu).</summary>
public static class KernelSources
{
    public const string CommonHeader = "Common.cuh";

    public static readonly IReadOnlyList<string> Files = ["Elementwise.cu", "Attention.cu", "Moe.cu", "Gemv.cu", "TensorCore.cu"];

    private const string Prefix = "DistInfer.Engine.Cuda.Kernels.";

    /// <summary>The text of one embedded source file; throws when it is not embedded.</summary>
    public static string Read(string file)
    {
        using var stream = typeof(KernelSources).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new CudaException($"kernel source {file} is not embedded in {typeof(KernelSources).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parts compiled with a file, after it, into its module: (file, part).</summary>
    public static readonly IReadOnlyList<(string File, string Part)> Parts = [("TensorCore.cu", "AttentionMma.cuh")];

    /// <summary>What NVRTC compiles: the common header, the file, then the parts compiled with it.</summary>
    public static string Program(string file)
    {
        var text = Read(CommonHeader) + "\n#line 1 \"" + file + "\"\n" + Read(file);
        foreach (var (owner, part) in Parts)
        {
            if (owner == file)
            {
                text += "\n#line 1 \"" + part + "\"\n" + Read(part);
            }
        }

        return text;
    }

    internal static Assembly Assembly => typeof(KernelSources).Assembly;
}
