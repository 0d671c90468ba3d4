namespace DistInfer.Grains;

/// <summary>Where an activation is in getting its weights.</summary>
public enum WeightLoadPhase
{
    Pending = 0,

    /// <summary>Shipping tensors from a silo that has the model path into this silo's model cache.</summary>
    Fetching = 1,

    /// <summary>Reading tensors from the memory map into the activation's weights.</summary>
    Loading = 2,

    Loaded = 3,
    Failed = 4,
}
