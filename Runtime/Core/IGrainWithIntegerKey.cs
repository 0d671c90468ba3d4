namespace DistInfer.Runtime;

/// <summary>Marker for grain interfaces addressed by this kind of key (Orleans' name).</summary>
public interface IGrainWithIntegerKey : IGrain
{
}
