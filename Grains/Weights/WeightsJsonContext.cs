using System.Text.Json.Serialization;

namespace DistInfer.Grains.Weights;

/// <summary>Manifests kept in the model cache, so a restarted silo loads what it cached even with no source silo up.</summary>
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class WeightsJsonContext : JsonSerializerContext;
