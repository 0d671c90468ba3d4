namespace DistInfer.Grains.Weights;

/// <summary>
/// An open model directory as <see cref="ModelFileServer"/> holds it, with the stamp of the files it was opened from.
/// Counted: one reference for the server, one per chunk read in flight. A chunk read uses the copy's open files, which
/// must not close under it; when the directory changes the server retires this copy (drops its reference) and the map
/// and files go with the last read. Leaving it to the GC would leak instead: the view's pointer is
/// acquired for the map's whole life, so no finalizer ever unmaps it.
/// </summary>
internal sealed class ServedDirectory
{
    private int _references = 1;
    private int _retired;

    private ServedDirectory(LocalModel model, ModelDirectoryStamp stamp)
    {
        Model = model;
        Stamp = stamp;
    }

    public LocalModel Model { get; }

    public ModelDirectoryStamp Stamp { get; }

    /// <summary>True once the server let go and no read holds it: the map is closed.</summary>
    public bool IsClosed => Volatile.Read(ref _references) == 0;

    public static ServedDirectory Open(string directory)
    {
        // Stamped before reading: a change made while the manifest is built shows as a change on the next request.
        var stamp = ModelDirectoryStamp.Capture(directory);
        return new ServedDirectory(LocalModel.Open(directory), stamp);
    }

    /// <summary>Takes a reader's reference; false when the model is already closed (take the server's current one).</summary>
    public bool TryAcquire()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var previous = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (previous == seen)
            {
                return true;
            }

            seen = previous;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Model.Dispose();
        }
    }

    /// <summary>The server's reference goes (once); reads still in flight keep the map until they release.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            Release();
        }
    }
}
