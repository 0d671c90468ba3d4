namespace DistInfer.Grains.Weights;

/// <summary>
/// Whether the directory a fetch ships from is still the one its manifest describes. A source serves chunks from the
/// copy it has open, with no stat per chunk, so the receiver asks it for the manifest once more (a stat there, and a
/// reopen when changed) before keeping what it got: bytes of a rewritten directory must not enter the cache under the
/// old fingerprint. It asks the one copy that shipped the whole file (<see cref="IModelFileSource.Copies"/>). The fingerprint covers the weight files' sizes and times, the small files' hashes and the tensors'
/// sampled bytes.
/// </summary>
internal static class ModelSourceCheck
{
    /// <summary>
    /// Throws <see cref="ModelDirectoryChangedException"/> when the source's manifest is another one now. With a
    /// <paramref name="failure"/> (the fetch failed already) a source that cannot answer leaves that failure as it is.
    /// </summary>
    public static async Task ThrowIfChangedAsync(IModelFileSource source, string modelPath, ModelManifest manifest, Exception? failure = null)
    {
        ModelManifest? now;
        try
        {
            now = await source.GetManifestAsync(modelPath).ConfigureAwait(false);
        }
        catch (Exception) when (failure is not null)
        {
            return;
        }

        // No answer (no source up, the path gone): nothing says the bytes shipped were not the manifest's.
        if (now is not null && !string.Equals(now.Fingerprint, manifest.Fingerprint, StringComparison.Ordinal))
        {
            throw ModelDirectoryChangedException.For(modelPath, failure);
        }
    }
}
