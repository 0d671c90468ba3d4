namespace DistInfer.Runtime.Placement;

/// <summary>DI record binding a strategy type to its director type (added by AddPlacementDirector).</summary>
public sealed record PlacementDirectorRegistration(Type StrategyType, Type DirectorType);
