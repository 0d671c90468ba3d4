using DistInfer.Grains;
using DistInfer.Runtime;

namespace DistInfer.Cluster.Tests.Balancing;

/// <summary>A grain factory whose expert grains answer Forward only when the test releases them, and whose expert hosts answer at once.</summary>
internal sealed class ScriptedExperts : IGrainFactory
{
    private readonly Dictionary<string, Expert> _experts = new(StringComparer.Ordinal);

    /// <summary>Keys of the experts called, in the order their Forward calls started.</summary>
    public List<string> CallOrder { get; } = [];

    public Expert this[string key] => _experts[key];

    private readonly Dictionary<string, Host> _hosts = new(StringComparer.Ordinal);

    /// <summary>The expert host of silo pin <paramref name="pin"/> (made on first use).</summary>
    public Host HostOf(string pin) => _hosts.TryGetValue(pin, out var host) ? host : _hosts[pin] = new Host();

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        if (typeof(TGrainInterface) == typeof(IExpertHostGrain))
        {
            return (TGrainInterface)(object)HostOf(primaryKey);
        }

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

    /// <summary>
    /// A silo's expert host: answers at once (or once <see cref="Hold"/> completes), each replica's rows filled with its index in the batch + 1, except the
    /// replicas listed in <see cref="Missing"/>; throws instead when <see cref="Fail"/> is set.
    /// </summary>
    internal sealed class Host : IExpertHostGrain
    {
        public List<ExpertBatch> Batches { get; } = [];

        public int[] Missing { get; set; } = [];

        public bool Fail { get; set; }

        /// <summary>When set, answers only once this completes (a call in flight while the test acts).</summary>
        public Task? Hold { get; set; }

        public async Task<ExpertBatchResult> Forward(ExpertBatch batch)
        {
            Batches.Add(batch);
            if (Hold is { } hold)
            {
                await hold;
            }

            if (Fail)
            {
                throw new InvalidOperationException("silo gone");
            }

            var outputs = new float[batch.Tokens.Length];
            var width = batch.Tokens.Length / batch.Rows.Sum();
            var offset = 0;
            for (var i = 0; i < batch.Keys.Length; i++)
            {
                outputs.AsSpan(offset, batch.Rows[i] * width).Fill(Missing.Contains(i) ? 0 : i + 1);
                offset += batch.Rows[i] * width;
            }

            return new ExpertBatchResult { Outputs = outputs, Missing = Missing };
        }
    }

    internal sealed class Expert(string key, List<string> callOrder) : IExpertGrain
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public int Rows { get; private set; }

        public int Loads { get; private set; }

        /// <summary>Thrown by the next Forward (once), after it was counted.</summary>
        public Exception? FailNext { get; set; }

        public void Release() => _release.TrySetResult();

        public async Task<float[]> Forward(float[] block, int rows)
        {
            Calls++;
            Rows += rows;
            callOrder.Add(key);
            if (FailNext is { } failure)
            {
                FailNext = null;
                throw failure;
            }

            await _release.Task;
            return new float[block.Length];
        }

        public Task<ExpertStatus> Load(ExpertLoadRequest request)
        {
            Loads++;
            return Task.FromResult(new ExpertStatus { Loaded = true });
        }

        public Task<ExpertStatus> Status() => Task.FromResult(new ExpertStatus { Loaded = true });

        public Task Retire() => Task.CompletedTask;
    }
}
