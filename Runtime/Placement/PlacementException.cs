namespace DistInfer.Runtime.Placement;

/// <summary>No silo can host the grain (unknown grain type, no silo with a required role...).</summary>
public sealed class PlacementException : Exception
{
    public PlacementException(string message)
        : base(message)
    {
    }

    public PlacementException()
    {
    }

    public PlacementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
