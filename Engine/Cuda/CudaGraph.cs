namespace DistInfer.Engine.Cuda;

/// <summary>An instantiated CUDA graph (one captured decode step), replayed with <see cref="Launch"/>.</summary>
public sealed unsafe class CudaGraph : IDisposable
{
    private readonly CudaDevice _device;
    private nint _graph;
    private nint _exec;

    internal CudaGraph(CudaDevice device, nint graph, nint exec)
    {
        _device = device;
        _graph = graph;
        _exec = exec;
    }

    public void Launch(CudaStream stream)
    {
        var rt = _device.Libraries.Runtime;
        rt.Check(rt.GraphLaunch(_exec, stream.Handle), "cudaGraphLaunch");
    }

    public void Dispose()
    {
        var rt = _device.Libraries.Runtime;
        if (_exec != 0)
        {
            rt.GraphExecDestroy(_exec);
            _exec = 0;
        }

        if (_graph != 0)
        {
            rt.GraphDestroy(_graph);
            _graph = 0;
        }
    }
}
