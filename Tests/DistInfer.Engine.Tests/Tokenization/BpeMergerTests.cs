using DistInfer.Engine.Tokenization;

namespace DistInfer.Engine.Tests.Tokenization;

public sealed class BpeMergerTests
{
    private static BpeMerger Merger(params (int Left, int Right, int Id)[] rules)
    {
        var table = new Dictionary<long, MergeRule>();
        for (var rank = 0; rank < rules.Length; rank++)
        {
            table.Add(BpeMerger.Key(rules[rank].Left, rules[rank].Right), new MergeRule(rank, rules[rank].Id));
        }

        return new BpeMerger(table);
    }

    [Fact]
    public void Merge_LowerRankFirst_ProducesRankOrderResult()
    {
        // Symbols a=1 b=2 c=3; "bc" (rank 0) beats "ab" (rank 1), so "abc" -> a + bc, not ab + c.
        var merger = Merger((2, 3, 10), (1, 2, 11));
        int[] symbols = [1, 2, 3];

        var count = merger.MergeSmall(symbols);

        Assert.Equal([1, 10], symbols[..count]);
    }

    [Fact]
    public void Merge_EqualPairsRepeated_MergesLeftmostFirst()
    {
        // "aaa" with rule a+a: the left pair merges, leaving "aa" + "a".
        var merger = Merger((1, 1, 5));
        int[] small = [1, 1, 1];
        int[] large = [1, 1, 1];

        Assert.Equal([5, 1], small[..merger.MergeSmall(small)]);
        Assert.Equal([5, 1], large[..merger.MergeLarge(large)]);
    }

    [Fact]
    public void MergeLarge_RandomWordsWithDemoMerges_AgreesWithMergeSmall()
    {
        var tokenizer = DemoTokenizer.Instance;
        var merger = tokenizer.Model.Merger;
        var random = new Random(5);
        for (var i = 0; i < 300; i++)
        {
            // Byte-level single-byte ids of random text, as the model would start merging them.
            var text = RandomText.Mixed(random, random.Next(1, 60)).Replace(" ", string.Empty, StringComparison.Ordinal);
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            var symbols = bytes.Select(b => tokenizer.TokenToId(ByteLevelAlphabet.ByteToChar[b].ToString())!.Value).ToArray();
            var small = symbols.ToArray();
            var large = symbols.ToArray();

            var smallCount = merger.MergeSmall(small);
            var largeCount = merger.MergeLarge(large);

            Assert.Equal(small[..smallCount], large[..largeCount]);
        }
    }

    [Fact]
    public void Merge_NoRules_LeavesSymbols()
    {
        var merger = Merger();
        int[] symbols = [4, 5, 6];

        Assert.Equal(3, merger.Merge(symbols));
        Assert.Equal([4, 5, 6], symbols);
    }
}
