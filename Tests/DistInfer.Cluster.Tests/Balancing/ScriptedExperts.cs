using DistInfer.Grains;
using DistInfer.Runtime;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>A grain factory whose expert grains answer Forward only when the test releases them.</summary>
internal sealed class ScriptedExperts : IGrainFactory
{
    private readonly Dictionary<string, Expert> _experts = new(StringComparer.Ordinal);

    /// <summary>Keys of the experts called, in the order their Forward calls started.</summary>
    public List<string> CallOrder { get; } = [];

    public Expert this[string key] => _experts[key];

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        if (!_experts.TryGetValue(primaryKey, out var expert))
        {
            _experts[primaryKey] = expert = new Expert(primaryKey, CallOrder);
        }

        return (TGrainInterface)(object)expert;
    }

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey => throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey)
        where TGrainInterface : IGrainWithGuidKey => throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithIntegerCompoundKey => throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension)
        where TGrainInterface : IGrainWithGuidCompoundKey => throw new NotSupportedException();

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId)
        where TGrainInterface : IAddressable => throw new NotSupportedException();

    internal sealed class Expert(string key, List<string> callOrder) : IExpertGrain
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public int Rows { get; private set; }

        public void Release() => _release.TrySetResult();

        public async Task<float[]> Forward(float[] block, int rows)
        {
            Calls++;
            Rows += rows;
            callOrder.Add(key);
            await _release.Task;
            return new float[block.Length];
        }

        public Task<ExpertStatus> Load(ExpertLoadRequest request) => Task.FromResult(new ExpertStatus { Loaded = true });

        public Task<ExpertStatus> Status() => Task.FromResult(new ExpertStatus { Loaded = true });

        public Task Retire() => Task.CompletedTask;
    }
}
