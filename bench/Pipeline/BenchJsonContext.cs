using System.Text.Json.Serialization;

namespace Jetstream.Bench.Pipeline;

[JsonSerializable(typeof(LimitResult))]
[JsonSerializable(typeof(List<LimitResult>))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
