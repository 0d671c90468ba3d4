using DistInfer.Engine.Cuda.Native;

namespace DistInfer.Engine.Cuda;

/// <summary>A non-blocking stream with async copies, timing events and graph capture.</summary>
public sealed unsafe class CudaStream : IDisposable
{
    private readonly CudaDevice _device;
    private nint _handle;

    internal CudaStream(CudaDevice device)
    {
        _device = device;
        nint h;
        device.Libraries.Runtime.Check(device.Libraries.Runtime.StreamCreateWithFlags(&h, CudaRuntimeApi.StreamNonBlocking), "cudaStreamCreateWithFlags");
        _handle = h;
    }

    public nint Handle => _handle;

    public CudaDevice Device => _device;

    private CudaRuntimeApi Rt => _device.Libraries.Runtime;

    public void Synchronize() => Rt.Check(Rt.StreamSynchronize(_handle), "cudaStreamSynchronize");

    public void CopyAsync(nint destination, nint source, long bytes, int kind) =>
        Rt.Check(Rt.MemcpyAsync(destination, source, (nuint)bytes, kind, _handle), "cudaMemcpyAsync");

    public void Upload<T>(ReadOnlySpan<T> source, nint destination)
        where T : unmanaged
    {
        fixed (T* p = source)
        {
            Rt.Check(Rt.MemcpyAsync(destination, (nint)p, (nuint)((long)source.Length * sizeof(T)), CudaRuntimeApi.MemcpyHostToDevice, _handle), "cudaMemcpyAsync(host to device)");
            Synchronize();
        }
    }

    public void Download<T>(nint source, Span<T> destination)
        where T : unmanaged
    {
        fixed (T* p = destination)
        {
            Rt.Check(Rt.MemcpyAsync((nint)p, source, (nuint)((long)destination.Length * sizeof(T)), CudaRuntimeApi.MemcpyDeviceToHost, _handle), "cudaMemcpyAsync(device to host)");
            Synchronize();
        }
    }

    public void Zero(nint destination, long bytes) =>
        Rt.Check(Rt.MemsetAsync(destination, 0, (nuint)bytes, _handle), "cudaMemsetAsync");

    /// <summary>Records an event now; pair two with <see cref="ElapsedMilliseconds"/>.</summary>
    public nint Record()
    {
        nint e;
        Rt.Check(Rt.EventCreate(&e), "cudaEventCreate");
        Rt.Check(Rt.EventRecord(e, _handle), "cudaEventRecord");
        return e;
    }

    /// <summary>Milliseconds between two recorded events; destroys both.</summary>
    public float ElapsedMilliseconds(nint start, nint end)
    {
        float ms;
        Rt.Check(Rt.EventSynchronize(end), "cudaEventSynchronize");
        Rt.Check(Rt.EventElapsedTime(&ms, start, end), "cudaEventElapsedTime");
        Rt.Check(Rt.EventDestroy(start), "cudaEventDestroy");
        Rt.Check(Rt.EventDestroy(end), "cudaEventDestroy");
        return ms;
    }

    public void BeginCapture() => Rt.Check(Rt.StreamBeginCapture(_handle, CudaRuntimeApi.CaptureModeThreadLocal), "cudaStreamBeginCapture");

    /// <summary>Ends capture and instantiates the graph.</summary>
    public CudaGraph EndCapture()
    {
        nint graph, exec;
        Rt.Check(Rt.StreamEndCapture(_handle, &graph), "cudaStreamEndCapture");
        var status = Rt.GraphInstantiate(&exec, graph, 0);
        if (status != 0)
        {
            Rt.GraphDestroy(graph);
            Rt.Check(status, "cudaGraphInstantiate");
        }

        return new CudaGraph(_device, graph, exec);
    }

    /// <summary>Ends a capture that failed part way and drops what it recorded, so the stream runs work again.</summary>
    public void AbortCapture()
    {
        nint graph;
        if (Rt.StreamEndCapture(_handle, &graph) == 0 && graph != 0)
        {
            Rt.GraphDestroy(graph);
        }
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            Rt.StreamDestroy(_handle);
            _handle = 0;
        }
    }
}
