namespace DistInfer.Silo.Http.Contracts;

/// <summary>stream_options of a request.</summary>
public sealed class StreamOptions
{
    public bool? IncludeUsage { get; set; }
}
