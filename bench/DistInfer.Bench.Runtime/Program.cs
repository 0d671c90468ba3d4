using System.Diagnostics;
using System.Globalization;
using DistInfer.Bench.Runtime;
using DistInfer.Runtime;
using DistInfer.Runtime.Client;
using DistInfer.Runtime.Cluster;
using DistInfer.Runtime.Hosting;
using DistInfer.Runtime.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Runtime benchmark: grain calls local / client->silo / silo->silo on loopback beside a raw TCP echo with the same
// frame size, and 1 MiB payload calls beside raw TCP, all in one run.
// Usage: distinfer-bench-runtime [seconds] [small|payload] (the second argument runs one group only)
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var only = args.Length > 1 ? args[1] : string.Empty;
var duration = TimeSpan.FromSeconds(seconds);
const int InFlight = 32;
const int LatencySamples = 5000;

var membership = new InProcessClusterMembership();
var silos = new List<Silo>();
for (var i = 0; i < 2; i++)
{
    var services = new ServiceCollection();
    services.AddSingleton<IClusterMembershipService>(membership);
    var index = i;
    services.AddDistInferSilo(o => o.Name = "bench" + index);
    var silo = services.BuildServiceProvider().GetRequiredService<Silo>();
    await silo.StartAsync();
    silos.Add(silo);
}

var clientOptions = new ClusterClientOptions();
clientOptions.Gateways.Add($"127.0.0.1:{silos[1].Address.Port}");
await using var client = new ClusterClient(Options.Create(clientOptions));
await client.ConnectAsync();

// Grains 0..InFlight-1 live on silo 1 (activated there first: PreferLocal).
var onSilo1 = Enumerable.Range(0, InFlight).Select(k => silos[1].GrainFactory.GetGrain<IBenchGrain>(k)).ToArray();
foreach (var grain in onSilo1)
{
    await grain.Ping(0);
}

var fromSilo0 = Enumerable.Range(0, InFlight).Select(k => silos[0].GrainFactory.GetGrain<IBenchGrain>(k)).ToArray();
var fromClient = Enumerable.Range(0, InFlight).Select(k => client.GetGrain<IBenchGrain>(k)).ToArray();

var smallFrame = PingFrameSize();
var rawSmall = new RawEcho(acknowledgeOnly: false);
await rawSmall.StartAsync();
var rawBatched = new BatchedRawEcho();
await rawBatched.StartAsync();
var smallBytes = new byte[smallFrame];
System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(smallBytes, smallFrame - 4);

Console.WriteLine($"DistInfer runtime benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {seconds}s per run, {InFlight} calls in flight");
Console.WriteLine($"small frame: {smallFrame} bytes");

// 1 MiB payloads: grain call carrying the bytes and answering their length, beside raw frames acknowledged with 4 bytes.
var payload = new byte[1 << 20];
Random.Shared.NextBytes(payload);
var rawBig = new RawEcho(acknowledgeOnly: true);
await rawBig.StartAsync();
var bigFrame = new byte[payload.Length + 64];
System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bigFrame, bigFrame.Length - 4);
const int PayloadInFlight = 4;

var small = new (string Name, Func<int, Task> Call)[]
{
    ("local (silo1->silo1)", w => onSilo1[w].Ping(w)),
    ("silo0->silo1", w => fromSilo0[w].Ping(w)),
    ("client->silo1", w => fromClient[w].Ping(w)),
    ("raw tcp echo", _ => rawSmall.RoundTripAsync(smallBytes)),
    ("raw tcp echo batched", _ => rawBatched.RoundTripAsync(smallBytes)),
};
var large = new (string Name, Func<int, Task> Call)[]
{
    ("silo0->silo1 1MiB", w => fromSilo0[w].Payload(payload)),
    ("client->silo1 1MiB", w => fromClient[w].Payload(payload)),
    ("raw tcp 1MiB", _ => rawBig.RoundTripAsync(bigFrame)),
};
if (only == "payload")
{
    small = [];
}
else if (only == "small")
{
    large = [];
}

// Warm every case before measuring any, so JIT tiering has settled for all of them: measured one after the other
// from cold, the cases measured first ran partly on unoptimized code and the raw baselines (last) did not.
foreach (var (_, call) in small)
{
    await Measurement.WarmAsync(call, 2000);
    await Measurement.ThroughputAsync(call, InFlight, TimeSpan.FromSeconds(1));
}

foreach (var (_, call) in large)
{
    await Measurement.WarmAsync(call, 50);
    await Measurement.ThroughputAsync(call, PayloadInFlight, TimeSpan.FromSeconds(1));
}

if (small.Length > 0)
{
    // cpu us: the process's CPU time per call, less sensitive to other load on the machine than calls/s.
    Console.WriteLine($"{"case",-22}{"calls/s",14}{"p50 us",10}{"p99 us",10}{"cpu us",10}{"gen0",8}");
}

foreach (var (name, call) in small)
{
    // Each case starts from a collected heap and a short warm-up at the same load.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    await Measurement.ThroughputAsync(call, InFlight, TimeSpan.FromSeconds(0.5));
    var gen0 = GC.CollectionCount(0);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var rate = await Measurement.ThroughputAsync(call, InFlight, duration);
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    gen0 = GC.CollectionCount(0) - gen0;
    var (p50, p99) = await Measurement.LatencyAsync(call, LatencySamples);
    Console.WriteLine($"{name,-22}{rate,14:N0}{p50,10:N1}{p99,10:N1}{cpu.TotalMicroseconds / (rate * duration.TotalSeconds),10:N2}{gen0,8}");
}

if (large.Length > 0)
{
    Console.WriteLine($"1 MiB payload, {PayloadInFlight} in flight");
}

foreach (var (name, call) in large)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    await Measurement.ThroughputAsync(call, PayloadInFlight, TimeSpan.FromSeconds(0.5));
    var gen2 = GC.CollectionCount(2);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var rate = await Measurement.ThroughputAsync(call, PayloadInFlight, duration);
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    gen2 = GC.CollectionCount(2) - gen2;
    Console.WriteLine($"{name,-22}{rate * payload.Length / 1e9,14:N2} GB/s{cpu.TotalMicroseconds / (rate * duration.TotalSeconds),10:N0} cpu us/call{gen2,6} gen2 GCs");
}

await rawSmall.DisposeAsync();
await rawBatched.DisposeAsync();
await rawBig.DisposeAsync();
foreach (var silo in silos)
{
    await silo.StopAsync();
}

static int PingFrameSize()
{
    var header = new MessageHeader { Kind = MessageKind.Request, Target = new GrainId(typeof(IBenchGrain).FullName!, "17") };
    using var frame = FrameCodec.Begin(header);
    return frame.WrittenCount + 2; // + the int argument (tag and varint)
}
