namespace DistInfer.Engine.Model;

/// <summary>
/// One MoE layer: the router [E, H] and the experts this process holds (null where another silo holds it),
/// plus the Qwen2-MoE shared expert and its sigmoid gate.
/// </summary>
public sealed class MoeWeights(LinearWeight router, SwiGluWeights?[] experts, SwiGluWeights? sharedExpert, LinearWeight? sharedExpertGate)
{
    public LinearWeight Router { get; } = router;
    public SwiGluWeights?[] Experts { get; } = experts;
    public SwiGluWeights? SharedExpert { get; } = sharedExpert;
    public LinearWeight? SharedExpertGate { get; } = sharedExpertGate;

    public long ParameterCount
    {
        get
        {
            var n = Router.ParameterCount + (SharedExpert?.ParameterCount ?? 0) + (SharedExpertGate?.ParameterCount ?? 0);
            foreach (var e in Experts)
            {
                n += e?.ParameterCount ?? 0;
            }

            return n;
        }
    }
}
