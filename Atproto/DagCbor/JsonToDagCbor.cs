using System.Formats.Cbor;
using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.DagCbor;

/// <summary>atproto JSON → DAG-CBOR, with the data model's rules checked on the way (see <see cref="DagCborJson.FromJson(JsonElement)"/>).</summary>
internal static class JsonToDagCbor
{
    private const int MaxDepth = 64;

    // Beyond 2^53 a JSON number is not exact in the reference (JavaScript) implementation.
    private const double MaxSafeInteger = 9007199254740991;

    public static byte[] Encode(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new AtprotoException($"a record must be a JSON object, not {json.ValueKind}");
        }
        var writer = new CborWriter(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);
        Write(writer, json, "$", MaxDepth);
        return writer.Encode();
    }

    private static void Write(CborWriter writer, JsonElement json, string path, int depthLeft)
    {
        if (depthLeft == 0)
        {
            throw new AtprotoException($"{path}: nested too deeply");
        }
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, json, path, depthLeft);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray(json.GetArrayLength());
                var i = 0;
                foreach (var item in json.EnumerateArray())
                {
                    Write(writer, item, $"{path}[{i++}]", depthLeft - 1);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteTextString(json.GetString()!);
                break;
            case JsonValueKind.Number:
                writer.WriteInt64(Integer(json, path));
                break;
            case JsonValueKind.True or JsonValueKind.False:
                writer.WriteBoolean(json.GetBoolean());
                break;
            default:
                writer.WriteNull();
                break;
        }
    }

    private static long Integer(JsonElement json, string path)
    {
        if (json.TryGetInt64(out var value))
        {
            return value;
        }
        var number = json.GetDouble();
        if (number != Math.Floor(number) || Math.Abs(number) > MaxSafeInteger)
        {
            throw new AtprotoException($"{path}: {json.GetRawText()} is a float, and atproto data has integers only");
        }
        return (long)number;
    }

    private static void WriteObject(CborWriter writer, JsonElement json, string path, int depthLeft)
    {
        var properties = json.EnumerateObject().ToList();
        if (json.TryGetProperty("$link", out var link))
        {
            if (properties.Count != 1 || link.ValueKind != JsonValueKind.String || !Cid.TryParse(link.GetString(), out var cid))
            {
                throw new AtprotoException($"{path}: a $link must be the only key and hold a CID string");
            }
            writer.WriteTag((CborTag)42);
            var bytes = new byte[Cid.ByteLength + 1];
            cid.WriteBytes(bytes.AsSpan(1));
            writer.WriteByteString(bytes);
            return;
        }
        if (json.TryGetProperty("$bytes", out var base64))
        {
            if (properties.Count != 1 || base64.ValueKind != JsonValueKind.String)
            {
                throw new AtprotoException($"{path}: $bytes must be the only key and hold a base64 string");
            }
            writer.WriteByteString(DecodeBase64(base64.GetString()!, path));
            return;
        }
        CheckType(json, path);
        properties.Sort(static (a, b) => CompareKeys(a.Name, b.Name));
        writer.WriteStartMap(properties.Count);
        for (var i = 0; i < properties.Count; i++)
        {
            if (i > 0 && properties[i].Name == properties[i - 1].Name)
            {
                throw new AtprotoException($"{path}: key '{properties[i].Name}' appears twice");
            }
            writer.WriteTextString(properties[i].Name);
            Write(writer, properties[i].Value, $"{path}.{properties[i].Name}", depthLeft - 1);
        }
        writer.WriteEndMap();
    }

    private static void CheckType(JsonElement json, string path)
    {
        if (!json.TryGetProperty("$type", out var type))
        {
            return;
        }
        if (type.ValueKind != JsonValueKind.String || type.GetString() is not { Length: > 0 } name)
        {
            throw new AtprotoException($"{path}: $type must be a non-empty string");
        }
        if (name == "blob"
            && !(json.TryGetProperty("ref", out var reference) && reference.ValueKind == JsonValueKind.Object && reference.TryGetProperty("$link", out _)
                 && json.TryGetProperty("mimeType", out var mime) && mime.ValueKind == JsonValueKind.String
                 && json.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out _)))
        {
            throw new AtprotoException($"{path}: a blob needs ref ($link), mimeType (string) and size (integer)");
        }
    }

    private static byte[] DecodeBase64(string text, string path)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException e)
        {
            throw new AtprotoException($"{path}: $bytes is not valid base64", e);
        }
    }

    // DAG-CBOR orders map keys by the length of their encoding, then bytewise.
    private static int CompareKeys(string a, string b)
    {
        var byLength = Encoding.UTF8.GetByteCount(a).CompareTo(Encoding.UTF8.GetByteCount(b));
        return byLength != 0 ? byLength : Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
    }
}
