using Jetstream.Atproto.Syntax;
using Microsoft.AspNetCore.Http;

namespace Atproto.Emulator;

/// <summary>
/// The PDS hosts' sync routes: <c>getRepo</c> (the CAR), <c>getLatestCommit</c> and <c>getRepoStatus</c>. Each
/// request is counted on its host and DID, meets the faults in force, and is answered only for the accounts that
/// live on the host it reached (elsewhere <c>RepoNotFound</c>, as a real PDS answers).
/// </summary>
internal static class PdsEndpoints
{
    public const string GetRepoPath = "/xrpc/com.atproto.sync.getRepo";
    public const string GetLatestCommitPath = "/xrpc/com.atproto.sync.getLatestCommit";
    public const string GetRepoStatusPath = "/xrpc/com.atproto.sync.getRepoStatus";

    public static async Task GetRepoAsync(HttpContext context, EmulatedNetwork network, RepoStore store)
    {
        if (Resolve(context, network, out var host, out var did) is { } refused)
        {
            await refused.ExecuteAsync(context);
            return;
        }
        using var inFlight = network.Counters.Enter(host);
        network.Counters.CountGetRepo(did);
        if (Find(network, did, host, out var account) is { } notHere)
        {
            await notHere.ExecuteAsync(context);
            return;
        }
        var faults = network.Faults.TakeForPds(did, host);
        if (XrpcResults.ForFault(context, faults, did, network.Time) is { } faulted)
        {
            await faulted.ExecuteAsync(context);
            return;
        }
        var (image, owned) = await store.GetAsync(account, faults, context.RequestAborted);
        try
        {
            await CarResponse.WriteAsync(context, image, faults, network.Time, context.RequestAborted);
        }
        finally
        {
            if (owned)
            {
                image.Dispose();
            }
        }
    }

    public static async Task<IResult> GetLatestCommitAsync(HttpContext context, EmulatedNetwork network, RepoStore store)
    {
        if (Resolve(context, network, out var host, out var did) is { } refused)
        {
            return refused;
        }
        using var inFlight = network.Counters.Enter(host);
        if (Find(network, did, host, out var account) is { } notHere)
        {
            return notHere;
        }
        var faults = network.Faults.TakeForPds(did, host);
        if (XrpcResults.ForFault(context, faults, did, network.Time) is { } faulted)
        {
            return faulted;
        }
        var (image, owned) = await store.GetAsync(account, faults, context.RequestAborted);
        using (owned ? image : null)
        {
            return TypedResults.Json(new LatestCommitResponse(image.CommitCid.ToString(), image.Rev.Value), EmulatorJsonContext.Default.LatestCommitResponse);
        }
    }

    public static IResult GetRepoStatus(HttpContext context, EmulatedNetwork network)
    {
        if (Resolve(context, network, out var host, out var did) is { } refused)
        {
            return refused;
        }
        using var inFlight = network.Counters.Enter(host);
        if (Find(network, did, host, out var account) is { } notHere)
        {
            return notHere;
        }
        var faults = network.Faults.TakeForPds(did, host);
        var status = XrpcResults.StateOf(faults) switch
        {
            FaultKind.NotFound => null,
            FaultKind.Takendown => "takendown",
            FaultKind.Deactivated => "deactivated",
            FaultKind.Suspended => "suspended",
            _ => "",
        };
        if (status is null)
        {
            return XrpcResults.Error(400, "RepoNotFound", $"Could not find repo for DID: {did}");
        }
        return TypedResults.Json(
            new RepoStatusResponse(did, status.Length == 0, status.Length == 0 ? null : status, status.Length == 0 ? account.Rev.Value : null),
            EmulatorJsonContext.Default.RepoStatusResponse);
    }

    private static IResult? Resolve(HttpContext context, EmulatedNetwork network, out int host, out string did)
    {
        did = context.Request.Query["did"].ToString();
        host = EmulatorListeners.HostOf(context) ?? -1;
        if (host < 0)
        {
            return XrpcResults.Error(404, "MethodNotImplemented", "sync methods are served on the PDS hosts, not on the PLC and relay listener");
        }
        return Did.TryParse(did, out _) ? null : XrpcResults.Error(400, "InvalidRequest", $"did '{did}' is not a DID");
    }

    private static IResult? Find(EmulatedNetwork network, string did, int host, out EmulatedAccount account) =>
        network.Accounts.TryGet(did, out account) && account.Host == host
            ? null
            : XrpcResults.Error(400, "RepoNotFound", $"Could not find repo for DID: {did}");
}
