using DistInfer.Engine.Generation;
using DistInfer.Engine.Model;

namespace DistInfer.Engine.Tests.Model;

public sealed class FixtureForwardTests
{
    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Forward_HuggingFaceFixture_LogitsAndRouterLogitsMatchReference(string name)
    {
        var model = FixtureModels.Load(name);
        using var reference = FixtureModels.Reference(name);
        var input = reference.ReadInt64("input_ids");
        var shape = reference.GetInfo("input_ids").Shape;
        int batch = (int)shape[0], length = (int)shape[1];
        var router = new Dictionary<int, float[]>();
        var caches = Enumerable.Range(0, batch).Select(_ => model.CreateCache()).ToArray();
        var layout = new BatchLayout(caches, Enumerable.Repeat(length, batch).ToArray());
        var logits = model.Forward(layout, input.Select(x => (int)x).ToArray(), allPositions: true,
            (_, ordinal, l, _) => router[ordinal] = l.ToArray());

        var error = FixtureModels.RelativeError(logits, reference.ReadFloat32("logits"));
        Assert.True(error < 1e-4, $"{name}: logits relative error {error:E2}");
        var moeLayers = reference.Names.Count(n => n.StartsWith("router_logits.", StringComparison.Ordinal));
        Assert.Equal(moeLayers, router.Count);
        for (var i = 0; i < moeLayers; i++)
        {
            var routerError = FixtureModels.RelativeError(router[i], reference.ReadFloat32($"router_logits.{i}"));
            Assert.True(routerError < 1e-4, $"{name}: router_logits.{i} relative error {routerError:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Generate_Greedy_IdsEqualReference(string name)
    {
        var model = FixtureModels.Load(name);
        using var reference = FixtureModels.Reference(name);
        var input = reference.ReadInt64("input_ids");
        var expected = reference.ReadInt64("greedy_ids");
        var inShape = reference.GetInfo("input_ids").Shape;
        var outShape = reference.GetInfo("greedy_ids").Shape;
        int batch = (int)inShape[0], length = (int)inShape[1], total = (int)outShape[1];
        var prompts = Enumerable.Range(0, batch).Select(b => input.Skip(b * length).Take(length).Select(x => (int)x).ToArray()).ToArray();
        var newTokens = total - length;

        var results = new Generator(model).Generate(prompts, new SamplingParams { MaxNewTokens = newTokens, MinNewTokens = newTokens }, padTokenId: 0);

        for (var b = 0; b < batch; b++)
        {
            Assert.Equal(expected.Skip(b * total).Take(total).Select(x => (int)x), results[b].AllIds);
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Forward_IncrementalDecode_EqualsFullForward(string name)
    {
        var model = FixtureModels.Load(name);
        using var reference = FixtureModels.Reference(name);
        var ids = reference.ReadInt64("greedy_ids").Take((int)reference.GetInfo("greedy_ids").Shape[1]).Select(x => (int)x).ToArray();
        var vocab = model.Config.VocabSize;

        var full = model.Forward(new BatchLayout([model.CreateCache()], [ids.Length]), ids, allPositions: true);

        // Prefill half, then one token per step; each step's logits must equal the full forward's row.
        var cache = model.CreateCache(4);
        var prefix = ids.Length / 2;
        var first = model.Forward(new BatchLayout([cache], [prefix]), ids.AsSpan(0, prefix), allPositions: true);
        Assert.True(FixtureModels.RelativeError(first, full.AsSpan(0, prefix * vocab)) < 1e-5);
        for (var t = prefix; t < ids.Length; t++)
        {
            var step = model.Forward(new BatchLayout([cache], [1]), ids.AsSpan(t, 1), allPositions: false);
            var error = FixtureModels.RelativeError(step, full.AsSpan(t * vocab, vocab));
            Assert.True(error < 1e-5, $"{name}: position {t} relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureModels.All), MemberType = typeof(FixtureModels))]
    public void Forward_LongPromptAttendedInParallel_EqualsTokenByTokenDecode(string name)
    {
        // 96 positions of 4 heads of 16: the prompt's attention is split over the decode helpers, each decode step's
        // is one thread's; every (sequence, head) item must land where the one-thread path puts it.
        var model = FixtureModels.Load(name);
        var rng = new Random(96);
        var ids = Enumerable.Range(0, 96).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        var vocab = model.Config.VocabSize;

        var full = model.Forward(new BatchLayout([model.CreateCache(), model.CreateCache()], [ids.Length, ids.Length]), [.. ids, .. ids], allPositions: true);

        var cache = model.CreateCache();
        for (var t = 0; t < ids.Length; t++)
        {
            var step = model.Forward(new BatchLayout([cache], [1]), ids.AsSpan(t, 1), allPositions: false);
            Assert.True(FixtureModels.RelativeError(step, full.AsSpan(t * vocab, vocab)) < 1e-5, $"{name}: position {t} of the first sequence");
            Assert.True(FixtureModels.RelativeError(step, full.AsSpan((ids.Length + t) * vocab, vocab)) < 1e-5, $"{name}: position {t} of the second sequence");
        }
    }
}
