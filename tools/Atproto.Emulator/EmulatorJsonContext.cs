using System.Text.Json;
using System.Text.Json.Serialization;

namespace Atproto.Emulator;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(XrpcError))]
[JsonSerializable(typeof(PlcNotFound))]
[JsonSerializable(typeof(RepoListResponse))]
[JsonSerializable(typeof(LatestCommitResponse))]
[JsonSerializable(typeof(RepoStatusResponse))]
[JsonSerializable(typeof(FaultRule))]
[JsonSerializable(typeof(FaultRule[]))]
[JsonSerializable(typeof(RecordChange))]
[JsonSerializable(typeof(RecordChangeResult))]
[JsonSerializable(typeof(RequestCountersSnapshot))]
[JsonSerializable(typeof(AccountSummary[]))]
[JsonSerializable(typeof(PrebuildStatus))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
