using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Jetstream.Atproto.Syntax;
using Microsoft.AspNetCore.Http;

namespace Atproto.Emulator;

/// <summary>
/// The relay's <c>com.atproto.sync.listReposByCollection</c>: every account that holds (or ever held, as a relay
/// never forgets) a record of the collection, in account order, <c>limit</c> (1–2000, default 500) a page, with an
/// opaque cursor (base64url of the next position: a client must not read it).
/// </summary>
internal static class RelayEndpoint
{
    public const string Path = "/xrpc/com.atproto.sync.listReposByCollection";
    private const int MaxLimit = 2000;

    public static IResult Handle(HttpContext context, EmulatedNetwork network)
    {
        if (EmulatorListeners.HostOf(context) is not null)
        {
            return XrpcResults.Error(404, "MethodNotImplemented", "listReposByCollection is served by the relay listener, not by a PDS host");
        }
        var query = context.Request.Query;
        var collection = query["collection"].ToString();
        if (!Nsid.TryParse(collection, out _))
        {
            return XrpcResults.Error(400, "InvalidRequest", $"collection '{collection}' is not an NSID");
        }
        var limit = 500;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return XrpcResults.Error(400, "InvalidRequest", $"limit '{query["limit"]}' must be 1 to {MaxLimit}");
        }
        var start = 0;
        if (query["cursor"].ToString() is { Length: > 0 } cursor && !TryReadCursor(cursor, out start))
        {
            return XrpcResults.Error(400, "InvalidRequest", $"cursor '{cursor}' is not one this relay gave");
        }
        network.Counters.CountRelayPage();
        var accounts = network.Accounts;
        var everyone = network.Generator.CountIn(collection) > 0;
        var repos = new List<RepoListEntry>(Math.Min(limit, accounts.Count));
        var next = start;
        for (; next < accounts.Count && repos.Count < limit; next++)
        {
            // Accounts are made only when needed: a generated collection is held by all of them.
            if (everyone || network.Holds(accounts[next], collection))
            {
                repos.Add(new RepoListEntry(accounts.DidAt(next)));
            }
        }
        var more = next < accounts.Count;
        return TypedResults.Json(new RepoListResponse(repos, more ? WriteCursor(next) : null), EmulatorJsonContext.Default.RepoListResponse);
    }

    private static string WriteCursor(int next) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes("p" + next.ToString(CultureInfo.InvariantCulture)));

    private static bool TryReadCursor(string cursor, out int next)
    {
        next = 0;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith('p') && int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out next);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
