using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Atproto.Emulator;

/// <summary>
/// The control API on the main listener: accounts, faults (add, list, clear), counters (read, reset) and changes to
/// an account's records (each a new signed commit, answered with its Jetstream event).
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(RouteGroupBuilder control)
    {
        control.AddEndpointFilter(async (context, next) =>
            EmulatorListeners.HostOf(context.HttpContext) is null ? await next(context) : Results.NotFound());
        control.MapGet("/accounts", (EmulatedNetwork network, int? offset, int? limit) => Accounts(network, offset ?? 0, limit ?? 100));
        control.MapGet("/faults", (EmulatedNetwork network) =>
            TypedResults.Json(network.Faults.Rules.Where(r => r.Left > 0).Select(r => r.Rule).ToArray(), EmulatorJsonContext.Default.FaultRuleArray));
        control.MapPost("/faults", AddFaultAsync);
        control.MapDelete("/faults", (EmulatedNetwork network) =>
        {
            network.Faults.Clear();
            return Results.NoContent();
        });
        control.MapGet("/stats", (EmulatedNetwork network) => TypedResults.Json(network.Counters.Snapshot(), EmulatorJsonContext.Default.RequestCountersSnapshot));
        control.MapPost("/stats/reset", (EmulatedNetwork network) =>
        {
            network.Counters.Reset();
            return Results.NoContent();
        });
        control.MapPost("/accounts/{did}/records", ChangeAsync);
        control.MapGet("/prebuild", (RepoPrebuilder prebuilder) =>
            TypedResults.Json(new PrebuildStatus(prebuilder.Built, prebuilder.Total, prebuilder.Done), EmulatorJsonContext.Default.PrebuildStatus));
    }

    private static IResult Accounts(EmulatedNetwork network, int offset, int limit)
    {
        if (offset < 0 || limit is < 1 or > 10_000)
        {
            return Results.Problem($"offset must be ≥ 0 and limit 1 to 10000", statusCode: 400);
        }
        var accounts = network.Accounts;
        var page = Enumerable.Range(offset, Math.Max(0, Math.Min(limit, accounts.Count - offset)))
            .Select(i => accounts[i])
            .Select(a => new AccountSummary(a.Index, a.Did.Value, a.Host, network.PdsUriOf(a).ToString(), a.Key.PublicKey.Curve, a.LegacyKeyForm, a.Rev.Value))
            .ToArray();
        return TypedResults.Json(page, EmulatorJsonContext.Default.AccountSummaryArray);
    }

    private static async Task<IResult> AddFaultAsync(HttpContext context, EmulatedNetwork network)
    {
        try
        {
            var rule = await context.Request.ReadFromJsonAsync(EmulatorJsonContext.Default.FaultRule) ?? throw new ArgumentException("no fault in the body");
            network.Faults.Add(rule);
            return Results.NoContent();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return Results.Problem(e.Message, statusCode: 400, title: "Not a fault rule");
        }
    }

    private static async Task<IResult> ChangeAsync(HttpContext context, string did, EmulatedNetwork network)
    {
        try
        {
            var change = await context.Request.ReadFromJsonAsync(EmulatorJsonContext.Default.RecordChange) ?? throw new ArgumentException("no change in the body");
            return TypedResults.Json(network.Change(did, change), EmulatorJsonContext.Default.RecordChangeResult);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return Results.Problem(e.Message, statusCode: 400, title: "Not a change");
        }
        catch (KeyNotFoundException e)
        {
            return Results.Problem(e.Message, statusCode: 404, title: "Not found");
        }
    }
}
