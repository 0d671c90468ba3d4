using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DistInfer.Engine.Checkpoints;

namespace DistInfer.Engine.Tests.Cli;

public sealed class CliErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Forward_MissingModelDirectory_OneLineError()
    {
        var missing = Path.Combine(_temp.Path, "no-such-model");

        var result = await CliProcess.RunAsync("forward", "--model", missing, "--input", ValidInput(), "--output", _temp.File("out.safetensors"));

        result.AssertUserError(missing);
        Assert.False(File.Exists(_temp.File("out.safetensors")));
    }

    [Fact]
    public async Task Generate_MissingModelDirectory_OneLineError()
    {
        var missing = Path.Combine(_temp.Path, "no-such-model");

        var result = await CliProcess.RunAsync("generate", "--model", missing, "--prompt", "hello");

        result.AssertUserError();
    }

    [Fact]
    public async Task Generate_PromptPlusNewTokensBeyondContext_OneLineErrorNamingTheContext()
    {
        // demo-moe's max_position_embeddings is 1024, and the HTTP API refuses the same request.
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--prompt", "hi", "--max-new-tokens", "3000");

        result.AssertUserError("context of 1024 tokens");
    }

    [Fact]
    public async Task Forward_TruncatedCheckpoint_OneLineErrorNamingFile()
    {
        var dir = Path.Combine(_temp.Path, "model");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(RepoPaths.Fixture("llama"), "config.json"), Path.Combine(dir, "config.json"));
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Fixture("llama"), "model.safetensors"));
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), bytes[..(bytes.Length / 2)]);

        var result = await CliProcess.RunAsync("forward", "--model", dir, "--input", ValidInput(), "--output", _temp.File("out.safetensors"));

        result.AssertUserError("model.safetensors");
    }

    [Fact]
    public async Task Forward_CheckpointMissingTensor_OneLineErrorNamingTensor()
    {
        var dir = Path.Combine(_temp.Path, "model");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(RepoPaths.Fixture("llama"), "config.json"), Path.Combine(dir, "config.json"));
        using (var source = SafeTensorsFile.Open(Path.Combine(RepoPaths.Fixture("llama"), "model.safetensors")))
        {
            var kept = source.Names.Where(n => n != "model.norm.weight")
                .Select(n => TensorData.FromFloat32(n, [.. source.GetInfo(n).Shape], source.ReadFloat32(n))).ToList();
            SafeTensorsWriter.Write(Path.Combine(dir, "model.safetensors"), kept);
        }

        var result = await CliProcess.RunAsync("forward", "--model", dir, "--input", ValidInput(), "--output", _temp.File("out.safetensors"));

        result.AssertUserError("model.norm.weight");
    }

    [Fact]
    public async Task Forward_UnsupportedConfig_OneLineErrorNamingField()
    {
        var dir = Path.Combine(_temp.Path, "model");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(RepoPaths.Fixture("llama"), "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixture("llama"), "config.json")))!.AsObject();
        config["model_type"] = "gpt_neox";
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());

        var result = await CliProcess.RunAsync("forward", "--model", dir, "--input", ValidInput(), "--output", _temp.File("out.safetensors"));

        result.AssertUserError("model_type", "gpt_neox");
    }

    [Theory]
    [InlineData("forward", "tokens", 3L, "input_ids")]
    [InlineData("generate", "tokens", 3L, "input_ids")]
    [InlineData("forward", "input_ids", 100000L, "100000")]
    public async Task Command_BadInputTensor_OneLineErrorNamingIt(string command, string tensor, long lastId, string expected)
    {
        var input = _temp.File("in.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt64(tensor, [1, 3], [1, 2, lastId])]);

        var result = await CliProcess.RunAsync(command, "--model", RepoPaths.Fixture("llama"), "--input", input, "--output", _temp.File("out.safetensors"));

        result.AssertUserError(expected);
    }

    [Fact]
    public async Task Forward_MissingInputFile_OneLineError()
    {
        var missing = _temp.File("missing.safetensors");

        var result = await CliProcess.RunAsync("forward", "--model", RepoPaths.Fixture("llama"), "--input", missing, "--output", _temp.File("out.safetensors"));

        result.AssertUserError(missing);
    }

    [Fact]
    public async Task Generate_PromptAndInputTogether_OneLineError()
    {
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--prompt", "hi", "--input", ValidInput());

        result.AssertUserError("--prompt");
    }

    [Fact]
    public async Task Generate_InputIsADirectory_OneLineErrorSayingSo()
    {
        var folder = _temp.File("inputs");
        Directory.CreateDirectory(folder);
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--input", folder, "--output", _temp.File("out.safetensors"));

        result.AssertUserError($"--input {folder} is a directory");
    }

    [Fact]
    public async Task Generate_OutputDirectoryMissing_RefusedBeforeGenerating()
    {
        var output = Path.Combine(_temp.File("missing"), "out.safetensors");
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--input", ValidInput(), "--output", output);

        result.AssertUserError("does not exist");
        Assert.DoesNotContain(".partial", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_InvalidSampling_OneLineError()
    {
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--prompt", "hi", "--top-p", "1.5");

        result.AssertUserError("top_p");
    }

    [Theory]
    [InlineData("--min-p", "1.5", "min_p")]
    [InlineData("--repetition-penalty", "0", "repetition_penalty")]
    public async Task Generate_PenaltyOutOfRange_OneLineErrorNamingIt(string flag, string value, string field)
    {
        var result = await CliProcess.RunAsync("generate", "--model", RepoPaths.DemoModel, "--prompt", "hi", flag, value);

        result.AssertUserError(field);
    }

    [Fact]
    public async Task Generate_PadTokenIdWithGateway_OneLineErrorSayingItIsNotSupported()
    {
        // Refused before the gateway is dialled (port 1 would refuse): the cluster would run the padding unmasked.
        var result = await CliProcess.RunAsync("generate", "--model", "demo", "--input", ValidInput(), "--output", _temp.File("out.safetensors"),
            "--pad-token-id", "0", "--gateway", "127.0.0.1:1");

        result.AssertUserError("--pad-token-id is not supported with --gateway");
        Assert.False(File.Exists(_temp.File("out.safetensors")));
    }

    [Theory]
    [InlineData("--max-new-tokens", "--max-new-tokens", "-3")]
    [InlineData("--min-new-tokens", "--max-new-tokens", "4", "--min-new-tokens", "5")]
    [InlineData("--min-new-tokens", "--min-new-tokens", "-1")]
    [InlineData("--max-new-tokens", "--max-new-tokens", "-3", "--gateway", "127.0.0.1:1")]
    public async Task Generate_BadNewTokenCounts_OneLineErrorNamingTheFlag(string expected, params string[] args)
    {
        // Checked before the model loads or the gateway is dialled (port 1 would refuse).
        var result = await CliProcess.RunAsync(["generate", "--model", RepoPaths.DemoModel, "--prompt", "hi", .. args]);

        result.AssertUserError(expected);
        Assert.DoesNotContain("max_new_tokens", result.Stderr);
    }

    [Fact]
    public async Task ModelInit_BadDType_OneLineError()
    {
        var result = await CliProcess.RunAsync("model", "init", "--dtype", "f16", "--out", Path.Combine(_temp.Path, "m"));

        result.AssertUserError("--dtype", "f16");
    }

    [Fact]
    public async Task ModelInit_InvalidShape_OneLineError()
    {
        var result = await CliProcess.RunAsync("model", "init", "--arch", "mixtral", "--hidden", "32", "--heads", "4", "--kv-heads", "3",
            "--layers", "1", "--experts", "4", "--top-k", "2", "--ffn", "16", "--vocab", "64", "--out", Path.Combine(_temp.Path, "m"));

        result.AssertUserError();
    }

    [Fact]
    public async Task ModelInit_UnknownArch_OneLineError()
    {
        var result = await CliProcess.RunAsync("model", "init", "--arch", "gpt2", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
            "--layers", "1", "--ffn", "16", "--vocab", "64", "--out", Path.Combine(_temp.Path, "m"));

        result.AssertUserError("gpt2");
    }

    [Theory]
    [InlineData("status")]
    [InlineData("deploy", "--model", "x", "--name", "x")]
    [InlineData("generate", "--model", "x", "--prompt", "hi")]
    public async Task Gateway_WithoutPort_OneLineErrorNamingTheFormat(params string[] args)
    {
        // The address is parsed before any connection, so no silo is needed.
        var result = await CliProcess.RunAsync([.. args, "--gateway", "127.0.0.1"]);

        result.AssertUserError("--gateway 127.0.0.1 is not HOST:PORT");
    }

    [Fact]
    public async Task Gateway_HostThatDoesNotResolve_OneLineErrorNamingTheHost()
    {
        var result = await CliProcess.RunAsync("status", "--gateway", "no-such-host.invalid:11111");

        result.AssertUserError("host 'no-such-host.invalid' does not resolve");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Gateway_PortThatIsNotASilo_OneLineErrorSayingItDidNotAnswerAsAGateway(bool answersHttp)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var server = ServeAsync(listener, answersHttp, stop.Token);
        var gateway = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

        var result = await CliProcess.RunAsync("status", "--gateway", gateway);

        await stop.CancelAsync();
        await server;
        result.AssertUserError($"{gateway} did not answer as a DistInfer gateway", "an HTTP port?", "the silo port");
    }

    /// <summary>
    /// Reads each connection's first bytes (the client's greeting), then answers as an HTTP server does to bytes that
    /// are not HTTP (400, then it hangs up), or just hangs up.
    /// </summary>
    private static async Task ServeAsync(TcpListener listener, bool answersHttp, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                using var socket = await listener.AcceptSocketAsync(cancellationToken);
                await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (answersHttp)
                {
                    await socket.SendAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The CLI has finished.
        }
    }

    [Theory]
    [InlineData("forward", "--bogus", "1")]
    [InlineData("generate", "--model", "x", "--max-new-tokens", "abc")]
    [InlineData("frobnicate")]
    public async Task Parse_BadCommandLine_NonZeroExitWithoutStackTrace(params string[] args)
    {
        var result = await CliProcess.RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEmpty(result.StderrLines);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    /// <summary>A valid input_ids file for the llama fixture.</summary>
    private string ValidInput()
    {
        var input = _temp.File("valid.safetensors");
        SafeTensorsWriter.Write(input, [TensorData.FromInt64("input_ids", [1, 4], [1, 2, 3, 4])]);
        return input;
    }
}
