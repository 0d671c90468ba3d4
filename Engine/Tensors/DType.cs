namespace DistInfer.Engine.Tensors;

/// <summary>Element types DistInfer reads and writes; names follow safetensors.</summary>
public enum DType
{
    F32,
    F16,
    BF16,
    I64,
    I32,
}
