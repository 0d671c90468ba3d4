using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>CUlaunchAttribute: id, padding to 8 bytes, then a 64-byte value union (72 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuLaunchAttribute
{
    public const int ProgrammaticStreamSerialization = 6;

    public int Id;
    public int Padding;
    public fixed byte Value[64];
}
