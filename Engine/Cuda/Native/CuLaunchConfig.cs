using System.Runtime.InteropServices;

namespace DistInfer.Engine.Cuda.Native;

/// <summary>CUlaunchConfig for cuLaunchKernelEx (56 bytes, C layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuLaunchConfig
{
    public uint GridX;
    public uint GridY;
    public uint GridZ;
    public uint BlockX;
    public uint BlockY;
    public uint BlockZ;
    public uint SharedBytes;
    public nint Stream;
    public CuLaunchAttribute* Attributes;
    public uint AttributeCount;
}
