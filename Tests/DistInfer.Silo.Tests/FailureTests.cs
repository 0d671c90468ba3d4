using System.Net;
using System.Text.Json;

namespace DistInfer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class FailureTests(ModelFixture models) : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync(new ScriptedInferenceService(models.Service.Find("demo")!));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Completions_ServiceHasNoReplica_503()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"no-replica","prompt":"hi"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_replica_available", Api.AssertError(json).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Completions_FailureMidGeneration_500WithoutLeakingDetails()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"fail-mid","prompt":"hi","max_tokens":8}""");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        var error = Api.AssertError(json);
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("silo died", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The silo's own faults (here its GPU) derive from DistInferException like a bad request's, and came back as 400.</summary>
    [Fact]
    public async Task Completions_GpuFaultMidGeneration_500WithoutTheDevicesMessage()
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", """{"model":"gpu-fault-mid","prompt":"hi","max_tokens":8}""");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        var error = Api.AssertError(json);
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("CudaException", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cudaMalloc", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_StreamFailsAfterStart_ErrorEventThenDone()
    {
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/completions", """{"model":"fail-mid","prompt":"hi","max_tokens":8,"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[DONE]", events[^1]);
        var error = Api.AssertError(JsonDocument.Parse(events[^2]).RootElement);
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal(models.Service.Find("demo")!.Tokenizer.Decode([65, 66]), string.Concat(events[..^2].Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices")[0].GetProperty("text").GetString())));
    }

    [Theory]
    [InlineData("redeployed-mid", HttpStatusCode.ServiceUnavailable, "server_error", "model_redeployed")]
    [InlineData("undeployed-mid", HttpStatusCode.NotFound, "invalid_request_error", "model_not_found")]
    public async Task Completions_ModelChangedMidRequest_RetryableOrNotFoundNot400(string model, HttpStatusCode expected, string type, string code)
    {
        var (status, json, _) = await Api.PostAsync(_silo.Client, "/v1/completions", $$"""{"model":"{{model}}","prompt":"hi","max_tokens":8}""");

        Assert.Equal(expected, status);
        var error = Api.AssertError(json);
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains($"model {model} was", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redeployed-mid", "model_redeployed")]
    [InlineData("undeployed-mid", "model_not_found")]
    public async Task ChatCompletions_StreamModelChangedMidRequest_ErrorEventWithItsCode(string model, string code)
    {
        var (status, events, _) = await Api.StreamAsync(_silo.Client, "/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"stream":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(code, Api.AssertError(JsonDocument.Parse(events[^2]).RootElement).GetProperty("code").GetString());
    }
}
