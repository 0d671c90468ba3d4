namespace DistInfer.Engine.Cuda;

/// <summary>One cudaMalloc allocation; freed on Dispose. Copies are synchronous unless a stream is given.</summary>
public sealed unsafe class DeviceBuffer : IDisposable
{
    private readonly CudaDevice _device;
    private nint _pointer;

    internal DeviceBuffer(CudaDevice device, nint pointer, long bytes)
    {
        _device = device;
        _pointer = pointer;
        Bytes = bytes;
    }

    public nint Pointer => _pointer != 0 ? _pointer : throw new ObjectDisposedException(nameof(DeviceBuffer));

    public long Bytes { get; }

    public void Upload<T>(ReadOnlySpan<T> source, long byteOffset = 0)
        where T : unmanaged
    {
        long bytes = (long)source.Length * sizeof(T);
        CheckRange(byteOffset, bytes);
        fixed (T* p = source)
        {
            var rt = _device.Libraries.Runtime;
            rt.Check(rt.Memcpy(Pointer + (nint)byteOffset, (nint)p, (nuint)bytes, Native.CudaRuntimeApi.MemcpyHostToDevice), "cudaMemcpy(host to device)");
        }
    }

    public void Download<T>(Span<T> destination, long byteOffset = 0)
        where T : unmanaged
    {
        long bytes = (long)destination.Length * sizeof(T);
        CheckRange(byteOffset, bytes);
        fixed (T* p = destination)
        {
            var rt = _device.Libraries.Runtime;
            rt.Check(rt.Memcpy((nint)p, Pointer + (nint)byteOffset, (nuint)bytes, Native.CudaRuntimeApi.MemcpyDeviceToHost), "cudaMemcpy(device to host)");
        }
    }

    public T[] Download<T>(int count, long byteOffset = 0)
        where T : unmanaged
    {
        var result = new T[count];
        Download<T>(result, byteOffset);
        return result;
    }

    public void Dispose()
    {
        if (_pointer != 0)
        {
            var rt = _device.Libraries.Runtime;
            var status = rt.Free(_pointer);
            _pointer = 0;
            rt.Check(status, "cudaFree");
        }
    }

    private void CheckRange(long offset, long bytes)
    {
        if (offset < 0 || bytes < 0 || offset + bytes > Bytes)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"copy of {bytes} bytes at {offset} outside a {Bytes}-byte device buffer");
        }
    }
}
