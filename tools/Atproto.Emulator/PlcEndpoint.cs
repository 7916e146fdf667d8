using System.Text.Json;
using Jetstream.Atproto.Crypto;
using Microsoft.AspNetCore.Http;
using SimpleBase;

namespace Atproto.Emulator;

/// <summary>
/// The PLC directory: <c>GET /{did}</c> answers the DID document, with the <c>#atproto</c> key as a
/// <c>Multikey</c> (absolute id) or in the legacy <c>EcdsaSecp256…VerificationKey2019</c> form (relative id, as the
/// reference PLC writes it) and the <c>#atproto_pds</c> service naming the account's PDS host, or the endpoint of a
/// <see cref="FaultKind.PrivatePdsEndpoint"/> fault. Unknown DIDs get 404, as plc.directory answers.
/// </summary>
internal static class PlcEndpoint
{
    public const string Path = "/{did}";

    public static async Task HandleAsync(HttpContext context, string did, EmulatedNetwork network)
    {
        if (EmulatorListeners.HostOf(context) is not null)
        {
            context.Response.StatusCode = 404;
            return;
        }
        network.Counters.CountPlc(did);
        if (!network.Accounts.TryGet(did, out var account))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new PlcNotFound($"DID not registered: {did}"), EmulatorJsonContext.Default.PlcNotFound);
            return;
        }
        var endpoint = network.Faults.PeekForPlc(did, account.Host)?.Endpoint ?? network.PdsUriOf(account).ToString().TrimEnd('/');
        context.Response.ContentType = "application/did+ld+json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        Write(writer, account, endpoint);
    }

    private static void Write(Utf8JsonWriter writer, EmulatedAccount account, string endpoint)
    {
        var did = account.Did.Value;
        var key = account.Key.PublicKey;
        writer.WriteStartObject();
        writer.WriteStartArray("@context");
        writer.WriteStringValue("https://www.w3.org/ns/did/v1");
        writer.WriteStringValue("https://w3id.org/security/multikey/v1");
        writer.WriteStringValue(key.Curve == AtprotoPublicKey.K256 ? "https://w3id.org/security/suites/secp256k1-2019/v1" : "https://w3id.org/security/suites/ecdsa-2019/v1");
        writer.WriteEndArray();
        writer.WriteString("id", did);
        writer.WriteStartArray("alsoKnownAs");
        writer.WriteStringValue($"at://user{account.Index}.emulator.test");
        writer.WriteEndArray();
        writer.WriteStartArray("verificationMethod");
        writer.WriteStartObject();
        if (account.LegacyKeyForm)
        {
            writer.WriteString("id", "#atproto");
            writer.WriteString("type", key.Curve == AtprotoPublicKey.K256 ? "EcdsaSecp256k1VerificationKey2019" : "EcdsaSecp256r1VerificationKey2019");
            writer.WriteString("controller", did);
            // The bare point, no multicodec; compressed (indigo and @atproto/identity read both forms).
            writer.WriteString("publicKeyMultibase", "z" + Base58.Bitcoin.Encode(key.ToCompressedBytes()));
        }
        else
        {
            writer.WriteString("id", did + "#atproto");
            writer.WriteString("type", "Multikey");
            writer.WriteString("controller", did);
            writer.WriteString("publicKeyMultibase", key.ToMultikey());
        }
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartArray("service");
        writer.WriteStartObject();
        writer.WriteString("id", "#atproto_pds");
        writer.WriteString("type", "AtprotoPersonalDataServer");
        writer.WriteString("serviceEndpoint", endpoint);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
