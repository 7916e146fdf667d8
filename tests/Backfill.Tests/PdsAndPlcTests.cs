using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jetstream.TestSupport;

namespace Jetstream.Backfill.Tests;

/// <summary>The reference PDS and PLC of the devnet serve what a backfill reads: repositories, DID documents, refusals.</summary>
[Collection(DevNetCollection.Name)]
public sealed class PdsAndPlcTests(DevNetFixture fixture)
{
    private static readonly byte[] CarRootsOneCid = [0x65, .."roots"u8, 0x81, 0xD8, 0x2A];

    private static readonly byte[] CarVersionOne = [0x67, .."version"u8, 0x01];

    private readonly AtprotoDevNet _devNet = fixture.DevNet;

    [Fact]
    public async Task Account_with_200_records_written_through_xrpc_is_served_by_getRepo_as_a_car_v1()
    {
        var account = await _devNet.CreateAccountAsync();
        var collection = TestNames.Collection("car");
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };

        // Straight to the PDS's XRPC with the account's own token, as a client app writes.
        var writes = Enumerable.Range(0, 200).Select(i => new JsonObject
        {
            ["$type"] = "com.atproto.repo.applyWrites#create",
            ["collection"] = collection,
            ["value"] = new JsonObject { ["$type"] = collection, ["n"] = i, ["createdAt"] = "2026-12-06T00:00:00Z" },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/xrpc/com.atproto.repo.applyWrites")
        {
            Content = JsonContent.Create(new JsonObject { ["repo"] = account.Did, ["writes"] = new JsonArray([.. writes]) }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessJwt);
        using var written = await pds.SendAsync(request);
        Assert.True(written.IsSuccessStatusCode, await written.Content.ReadAsStringAsync());

        var listed = 0;
        string? cursor = null;
        do
        {
            var page = await pds.GetFromJsonAsync<JsonElement>(
                $"/xrpc/com.atproto.repo.listRecords?repo={account.Did}&collection={collection}&limit=100{(cursor is null ? "" : "&cursor=" + cursor)}");
            var records = page.GetProperty("records").GetArrayLength();
            listed += records;
            cursor = records > 0 && page.TryGetProperty("cursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(200, listed);

        using var car = await pds.GetAsync($"/xrpc/com.atproto.sync.getRepo?did={account.Did}");
        Assert.Equal(HttpStatusCode.OK, car.StatusCode);
        Assert.Equal("application/vnd.ipld.car", car.Content.Headers.ContentType?.MediaType);
        var bytes = await car.Content.ReadAsByteArrayAsync();

        // A CAR v1 starts with a varint length and that many bytes of DAG-CBOR {"roots": [cid], "version": 1}
        // (keys in DAG-CBOR's length-first order). Only the header is checked here; the CAR reader reads the rest.
        var (headerLength, varintLength) = ReadVarint(bytes);
        var header = bytes.AsSpan(varintLength, headerLength);
        Assert.Equal(0xA2, header[0]);
        Assert.True(header[1..].StartsWith(CarRootsOneCid), "the header's first key is roots, one CID (tag 42)");
        Assert.True(header.EndsWith(CarVersionOne), "the header ends with version: 1");
        Assert.True(bytes.Length > varintLength + headerLength + 200 * 40, $"the CAR holds 200 records ({bytes.Length} bytes)");
    }

    [Fact]
    public async Task Plc_serves_the_did_document_with_the_pds_endpoint_and_the_legacy_key_form()
    {
        var account = await _devNet.CreateAccountAsync();
        using var plc = new HttpClient { BaseAddress = _devNet.PlcUrl };

        var document = await plc.GetFromJsonAsync<JsonElement>($"/{account.Did}");

        Assert.Equal(account.Did, document.GetProperty("id").GetString());
        Assert.Contains($"at://{account.Handle}", document.GetProperty("alsoKnownAs").EnumerateArray().Select(a => a.GetString()));
        var pds = Assert.Single(document.GetProperty("service").EnumerateArray(), s => s.GetProperty("id").GetString() == "#atproto_pds");
        Assert.Equal("AtprotoPersonalDataServer", pds.GetProperty("type").GetString());
        Assert.Equal(_devNet.PdsUrl, new Uri(pds.GetProperty("serviceEndpoint").GetString()!));
        var key = Assert.Single(document.GetProperty("verificationMethod").EnumerateArray(), m => m.GetProperty("id").GetString() == "#atproto");
        Assert.Equal("EcdsaSecp256k1VerificationKey2019", key.GetProperty("type").GetString());
        Assert.Equal(account.Did, key.GetProperty("controller").GetString());
        Assert.StartsWith("z", key.GetProperty("publicKeyMultibase").GetString());
    }

    [Fact]
    public async Task A_takedown_makes_getRepo_answer_RepoTakendown()
    {
        var account = await AccountWithARecordAsync();

        await _devNet.TakedownAsync(account.Did);

        Assert.Equal("RepoTakendown", await GetRepoErrorAsync(account.Did));
        await _devNet.ReverseTakedownAsync(account.Did);
        Assert.Null(await GetRepoErrorAsync(account.Did));
    }

    [Fact]
    public async Task A_deactivation_makes_getRepo_answer_RepoDeactivated()
    {
        var account = await AccountWithARecordAsync();

        await _devNet.DeactivateAsync(account.Did);

        Assert.Equal("RepoDeactivated", await GetRepoErrorAsync(account.Did));
        await _devNet.ActivateAsync(account.Did);
        Assert.Null(await GetRepoErrorAsync(account.Did));
    }

    private async Task<DevNetAccount> AccountWithARecordAsync()
    {
        var account = await _devNet.CreateAccountAsync();
        var collection = TestNames.Collection("status");
        await _devNet.WriteAsync(account.Did, [DevNetWrite.Create(collection, new JsonObject { ["$type"] = collection })]);
        Assert.Null(await GetRepoErrorAsync(account.Did));
        return account;
    }

    /// <summary>The XRPC error name of <c>getRepo</c>'s 400, or null when it serves the CAR.</summary>
    private async Task<string?> GetRepoErrorAsync(string did)
    {
        using var pds = new HttpClient { BaseAddress = _devNet.PdsUrl };
        using var response = await pds.GetAsync($"/xrpc/com.atproto.sync.getRepo?did={did}");
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
    }

    private static (int Value, int Length) ReadVarint(byte[] bytes)
    {
        var value = 0;
        for (var i = 0; i < 5; i++)
        {
            value |= (bytes[i] & 0x7F) << (7 * i);
            if ((bytes[i] & 0x80) == 0)
            {
                return (value, i + 1);
            }
        }

        throw new InvalidDataException("The CAR does not start with a varint.");
    }
}
