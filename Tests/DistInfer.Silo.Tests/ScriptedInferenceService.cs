using System.Runtime.CompilerServices;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Serving;
using DistInfer.Engine.Tokenization;
using DistInfer.Grains.Fabric;
using DistInfer.Silo.Serving;

namespace DistInfer.Silo.Tests;

/// <summary>
/// Serves the demo model's metadata under several names with scripted output: "fail-mid" streams two tokens and then
/// fails; "undeployed-mid" and "redeployed-mid" stream two tokens and then end as the fabric's front ends a request
/// whose model was undeployed or redeployed with another plan; "no-replica" has no replica (the cluster's 503); "straddle" streams <see cref="StraddleIds"/>, whose
/// third token " publis" straddles the stop sequence "publish"; "bytes" streams <see cref="BytesText"/> one UTF-8
/// byte per token, so multi-byte characters span tokens.
/// </summary>
internal sealed class ScriptedInferenceService(ServedModel demo) : IInferenceService
{
    /// <summary>" right", " to", " publis", "h", " the", " work", "." in the demo tokenizer.</summary>
    public static readonly int[] StraddleIds = [2030, 300, 2828, 73, 276, 870, 15];

    /// <summary>The alternative every "straddle" token lists after itself: ".".</summary>
    public const int StraddleAlternative = 15;

    /// <summary>What "bytes" generates: "é" takes two tokens, "€" three.</summary>
    public const string BytesText = "ab é€x";

    public IReadOnlyList<ServedModel> Models { get; } =
        [
            demo with { Name = "fail-mid" }, demo with { Name = "undeployed-mid" }, demo with { Name = "redeployed-mid" },
            demo with { Name = "no-replica" }, demo with { Name = "straddle" }, demo with { Name = "bytes" }, demo with { Name = "gpu-fault-mid" },
        ];

    public (int Running, int Waiting) Load => (0, 0);

    /// <summary>The log-probability "straddle" gives its i-th token.</summary>
    public static double StraddleLogprob(int i) => -(i + 1) / 4.0;

    public ServedModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    public ValueTask<IReadOnlyList<IAsyncEnumerable<TokenEvent>>> StartAsync(string model, IReadOnlyList<SequenceRequest> sequences, CancellationToken cancellationToken) =>
        model == "no-replica"
            ? throw new NoReplicaAvailableException("no replica of 'no-replica' is active")
            : new([.. sequences.Select(s => Generate(model, s.CancellationToken))]);

    private IAsyncEnumerable<TokenEvent> Generate(string model, CancellationToken cancellationToken) => model switch
    {
        "straddle" => Straddle(cancellationToken),
        "bytes" => Bytes(demo.Tokenizer, cancellationToken),
        "undeployed-mid" => FailAfterTwo(new ModelNotFoundException(model, $"model {model} was undeployed before this request finished"), cancellationToken),
        "redeployed-mid" => FailAfterTwo(new ModelRedeployedException(model, $"model {model} was redeployed with another plan while this request ran; send it again"), cancellationToken),
        "gpu-fault-mid" => FailAfterTwo(new Engine.Cuda.CudaException("cudaMalloc failed: out of memory (2)"), cancellationToken),
        _ => FailAfterTwo(new InvalidOperationException("the expert grain's silo died"), cancellationToken),
    };

    private static async IAsyncEnumerable<TokenEvent> FailAfterTwo(Exception failure, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new TokenEvent(65, 0, null, -1);
        yield return new TokenEvent(66, 1, null, -1);
        cancellationToken.ThrowIfCancellationRequested();
        throw failure;
    }

    private static async IAsyncEnumerable<TokenEvent> Straddle([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < StraddleIds.Length; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            var logprob = StraddleLogprob(i);
            TokenLogprob[] top = [new(StraddleIds[i], logprob), new(StraddleAlternative, logprob - 1)];
            yield return new TokenEvent(StraddleIds[i], i, i == StraddleIds.Length - 1 ? FinishReason.Length : null, logprob, top);
        }
    }

    private static async IAsyncEnumerable<TokenEvent> Bytes(BpeTokenizer tokenizer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var byteToken = new Dictionary<byte, int>();
        for (var id = 0; id < tokenizer.VocabSize; id++)
        {
            if (tokenizer.RawBytes(id) is [var b])
            {
                byteToken.TryAdd(b, id);
            }
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(BytesText);
        for (var i = 0; i < bytes.Length; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TokenEvent(byteToken[bytes[i]], i, i == bytes.Length - 1 ? FinishReason.Length : null, -0.5);
        }
    }
}
