using System.Diagnostics;
using DistInfer.Grains;

namespace DistInfer.Cli;

/// <summary>
/// Runs the bench's requests through the front grain: each starts one generation and long-polls its tokens (as
/// `distinfer generate --gateway` and the SDK stream), timing every chunk as it arrives.
/// </summary>
internal static class BenchRunner
{
    /// <summary>The longest a poll waits; a poll returns as soon as a token is ready, so this only bounds idle polls.</summary>
    private const int PollMilliseconds = 1000;

    /// <summary>Prompts are cut from this text's tokens, each request starting at a different token so no two are alike.</summary>
    private const string PromptText =
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated " +
        "documentation files, to deal in the software without restriction, including without limitation the rights to use, " +
        "copy, modify, merge, publish, distribute, sublicense, and sell copies of the software, subject to the conditions.";

    public static async Task<BenchReport> RunAsync(IFrontGrain front, BenchSettings s)
    {
        var source = await front.Encode(s.Model, PromptText).ConfigureAwait(false);
        var results = new BenchRequestResult[s.Requests];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var workers = new Task[Math.Min(s.Concurrency, s.Requests)];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < s.Requests)
                {
                    results[i] = await RunOneAsync(front, s, Prompt(source, i, s.PromptTokens)).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return Summarize(s, results, clock.Elapsed.TotalSeconds);
    }

    private static int[] Prompt(int[] source, int request, int length)
    {
        var prompt = new int[length];
        for (var t = 0; t < length; t++)
        {
            prompt[t] = source[(request + t) % source.Length];
        }

        return prompt;
    }

    private static async Task<BenchRequestResult> RunOneAsync(IFrontGrain front, BenchSettings s, int[] prompt)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var id = await front.Start(new GenerateRequest
            {
                Model = s.Model,
                Prompts = [prompt],
                MaxNewTokens = s.MaxNewTokens,
                MinNewTokens = s.MaxNewTokens,
            }).ConfigureAwait(false);
            var last = start;
            var tokens = 0;
            var ttft = -1.0;
            var itl = new List<double>(s.MaxNewTokens);
            while (true)
            {
                var chunk = await front.Next(id, PollMilliseconds).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                if (chunk.Tokens.Length > 0)
                {
                    if (ttft < 0)
                    {
                        ttft = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
                    }
                    else
                    {
                        var each = Stopwatch.GetElapsedTime(last, now).TotalMilliseconds / chunk.Tokens.Length;
                        for (var k = 0; k < chunk.Tokens.Length; k++)
                        {
                            itl.Add(each);
                        }
                    }

                    tokens += chunk.Tokens.Length;
                    last = now;
                }

                if (chunk.FinishReason is not null)
                {
                    return new BenchRequestResult
                    {
                        TimeToFirstTokenMs = ttft,
                        EndToEndMs = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds,
                        Tokens = tokens,
                        InterTokenMs = itl,
                    };
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failed request is a result of the bench, not the end of it.
            return new BenchRequestResult { Error = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}" };
        }
    }

    private static BenchReport Summarize(BenchSettings s, BenchRequestResult[] results, double seconds)
    {
        var ttft = new List<double>();
        var itl = new List<double>();
        var e2e = new List<double>();
        var errors = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long tokens = 0;
        foreach (var r in results)
        {
            if (r.Error is { } error)
            {
                errors[error] = errors.GetValueOrDefault(error) + 1;
                continue;
            }

            tokens += r.Tokens;
            e2e.Add(r.EndToEndMs);
            if (r.TimeToFirstTokenMs >= 0)
            {
                ttft.Add(r.TimeToFirstTokenMs);
            }

            itl.AddRange(r.InterTokenMs);
        }

        return new BenchReport
        {
            Model = s.Model,
            Gateway = s.Gateway,
            Concurrency = s.Concurrency,
            Requests = s.Requests,
            PromptTokens = s.PromptTokens,
            MaxNewTokens = s.MaxNewTokens,
            Completed = e2e.Count,
            Failed = s.Requests - e2e.Count,
            DurationSeconds = seconds,
            OutputTokens = tokens,
            RequestsPerSecond = e2e.Count / seconds,
            OutputTokensPerSecond = tokens / seconds,
            TimeToFirstToken = LatencySummary.Of(ttft),
            InterTokenLatency = LatencySummary.Of(itl),
            EndToEndLatency = LatencySummary.Of(e2e),
            Errors = errors,
        };
    }
}
