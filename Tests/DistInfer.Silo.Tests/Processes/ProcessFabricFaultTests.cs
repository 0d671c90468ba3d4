using System.Text.Json;
using DistInfer.Client;
using DistInfer.Engine.Generation;
using DistInfer.Engine.Kernels;
using DistInfer.Engine.Model;

namespace DistInfer.Silo.Tests.Processes;

/// <summary>kill -9 of a silo process while a cluster on Redis serves a two-stage MoE model.</summary>
[Collection(SiloProcessesCollection.Name)]
public sealed class ProcessFabricFaultTests
{
    /// <param name="killGateway">
    /// Kill the silo the client entered through: its sessions and batcher die with it, and the SDK goes on through
    /// another silo it learned from the cluster.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generate_SiloProcessKilledDuringTwentyRequests_AllCompleteWithEngineTokens(bool killGateway)
    {
        const int NewTokens = 12;
        const string Name = "mixtral-kill";
        var cluster = new ProcessFabricCluster();
        await cluster.InitializeAsync();
        try
        {
            var gateway = cluster.Silos[0];
            await cluster.CliAsync(gateway, "deploy", "--model", RepoPaths.Fixture("mixtral"), "--name", Name, "--stages", "2");
            var status = await cluster.StatusJsonAsync(gateway);
            var stageSilos = ProcessFabricDeployTests.Rows(status, "stages", Name).Select(r => r.GetProperty("silo").GetString()).ToList();
            var expertSilos = ProcessFabricDeployTests.Rows(status, "experts", Name).Select(r => r.GetProperty("silo").GetString()).ToList();
            var addresses = status.GetProperty("silos").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("address").GetString());

            // Either the gateway the requests enter through, or another silo, one holding a stage if one is off the gateway.
            var victim = killGateway
                ? gateway
                : cluster.Silos.Skip(1).OrderByDescending(s => stageSilos.Contains(addresses[s.Name])).ThenByDescending(s => expertSilos.Count(e => e == addresses[s.Name])).First();
            var observer = cluster.Silos.First(s => s != victim);
            Assert.True(stageSilos.Contains(addresses[victim.Name]) || expertSilos.Contains(addresses[victim.Name]), $"{victim.Name} holds no part of the model");

            var prompts = Enumerable.Range(0, 20).Select(i => Enumerable.Range(0, 4 + i % 5).Select(t => (i * 37 + t * 11) % 512).ToArray()).ToArray();
            var expected = new Generator(TransformerModel.Load(RepoPaths.Fixture("mixtral"), Gemm.Default))
                .Generate(prompts, new SamplingParams { MaxNewTokens = NewTokens, MinNewTokens = NewTokens });

            await using var client = await cluster.ConnectAsync(gateway);
            var tokensSeen = 0;
            var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = prompts.Select(async prompt =>
            {
                var tokens = new List<int>();
                await foreach (var chunk in client.GenerateAsync(Name, prompt, new GenerationOptions { MaxNewTokens = NewTokens, MinNewTokens = NewTokens }))
                {
                    tokens.AddRange(chunk.Tokens);
                    if (Interlocked.Add(ref tokensSeen, chunk.Tokens.Length) >= prompts.Length * NewTokens / 3)
                    {
                        third.TrySetResult();
                    }
                }

                return tokens.ToArray();
            }).ToArray();

            await third.Task.WaitAsync(TimeSpan.FromMinutes(2));
            victim.Kill();
            var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(3));

            for (var i = 0; i < prompts.Length; i++)
            {
                Assert.True(expected[i].GeneratedIds.SequenceEqual(results[i]),
                    $"request {i}: expected [{string.Join(", ", expected[i].GeneratedIds)}], got [{string.Join(", ", results[i])}]");
            }

            // The victim's row keeps its last gossiped statistics in the table; status must not report them as held.
            // Requests can finish before the vote declares it dead, so ask until it has (each ask is a CLI run).
            var dead = await cluster.SiloRowWhenDeadAsync(observer, victim, TimeSpan.FromSeconds(30));

            Assert.Equal("Dead", dead.GetProperty("status").GetString());
            Assert.Equal(0, dead.GetProperty("activations").GetInt32());
            Assert.Equal(0, dead.GetProperty("memory_available_bytes").GetInt64());
            Assert.Equal(0, dead.GetProperty("process_memory_bytes").GetInt64());
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nsilo output:\n{cluster.Output}");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
