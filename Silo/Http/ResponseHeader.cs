namespace DistInfer.Silo.Http;

/// <summary>Fields every response and chunk of one request repeats.</summary>
internal sealed record ResponseHeader(string Id, long Created, string Model);
